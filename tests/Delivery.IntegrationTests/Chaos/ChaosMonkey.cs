using System.Diagnostics;
using Delivery.Kinesis.Leases;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// Kills workers of a <see cref="ProcessFleet"/> with SIGKILL on a schedule drawn from a seeded <see cref="Random"/>, and
/// replaces each with a fresh process, so the fleet is back at its size after every step. The steps: one kill; two
/// close together; a kill of a fresh worker right after its first take or handoff request; and, during a handoff a
/// fresh worker asked for, a kill of the requester, of the owner, or of both.
/// </summary>
internal sealed class ChaosMonkey(ProcessFleet fleet, Func<Task<IReadOnlyList<Lease>>> leases, Random random, int size, TimeSpan leaseDuration)
{
    // How long a step waits for a fresh worker's first take or handoff request, or for a victim's leases to be taken.
    private static readonly TimeSpan StepWait = TimeSpan.FromSeconds(6);
    private readonly HashSet<FleetWorker> _reported = [];

    public Dictionary<string, int> Steps { get; } = [];

    /// <summary>
    /// Runs steps, with a pause of 0.3-2 s between them, until at least <paramref name="kills"/> kills. Steps that wait
    /// for the fleet (a fresh worker's first action, a handoff) are drawn only during the first <paramref name="richFor"/>;
    /// after it, single and double kills finish the count quickly, so the chaos takes a bounded time on a slow machine.
    /// </summary>
    public async Task RunAsync(int kills, TimeSpan richFor)
    {
        var elapsed = Stopwatch.StartNew();
        while (fleet.Kills < kills)
        {
            ReplaceWorkersThatExited();
            bool rich = elapsed.Elapsed < richFor;
            int roll = random.Next(100);
            string step = roll switch
            {
                < 25 => "single",
                < 45 => "double",
                < 70 when rich => "after start",
                _ when rich => "mid-handoff",
                _ => roll % 2 == 0 ? "single" : "double",
            };
            Steps[step] = Steps.GetValueOrDefault(step) + 1;
            Task run = step switch
            {
                "single" => KillOneAsync(),
                "double" => KillTwoAsync(),
                "after start" => KillRightAfterStartAsync(),
                _ => KillDuringHandoffAsync(),
            };
            await run;
            await Task.Delay(rich ? random.Next(300, 2000) : random.Next(300, 1000));
        }

        ReplaceWorkersThatExited();
    }

    private async Task KillOneAsync()
    {
        await fleet.KillAsync(PickLive(), "single kill");
        await Task.Delay(random.Next(0, 1500));
        TopUp("replaces a killed worker");
    }

    private async Task KillTwoAsync()
    {
        FleetWorker first = PickLive();
        FleetWorker second = PickLive(except: first);
        await fleet.KillAsync(first, "first of two close together");
        await Task.Delay(random.Next(0, 400));
        await fleet.KillAsync(second, "second of two close together");
        await Task.Delay(random.Next(0, 1000));
        TopUp("replaces two killed workers");
    }

    /// <summary>A fresh worker dies mid-take or mid-request: killed 0-300 ms after its first take or handoff request.</summary>
    private async Task KillRightAfterStartAsync()
    {
        await fleet.KillAsync(PickLive(), "makes room for a fresh worker to die young");
        FleetWorker fresh = fleet.Start("to be killed right after its first lease action");
        bool acted = await CompletesWithinAsync(fresh.FirstLeaseAction, StepWait);
        await Task.Delay(random.Next(0, 300));
        await fleet.KillAsync(fresh, acted ? "right after its first take or handoff request" : $"did nothing within {StepWait.TotalSeconds:0} s");
        TopUp("replaces the worker that died young");
    }

    /// <summary>
    /// Lets the survivors take a killed worker's leases, starts a fresh worker that must ask them for handoffs, and kills
    /// the requester, the owner, or both, while the handoff is under way.
    /// </summary>
    private async Task KillDuringHandoffAsync()
    {
        FleetWorker victim = PickLive();
        await fleet.KillAsync(victim, "so that a fresh worker has to ask for handoffs");
        await WaitUntilTakenAsync(victim);
        int seen = fleet.HandoffRequests.Count;
        FleetWorker fresh = fleet.Start("to ask for handoffs");
        HandoffRequest? request = await WaitForRequestAsync(fresh, seen);
        await Task.Delay(random.Next(0, 600));
        if (request is null)
        {
            fleet.Note($"{fresh.Label} asked for no handoff within {StepWait.TotalSeconds:0} s");
            return;
        }

        FleetWorker? owner = fleet.Live.FirstOrDefault(worker => worker.WorkerId == request.Owner);
        int roll = random.Next(10);
        if (roll < 3 || owner is null)
        {
            await fleet.KillAsync(fresh, $"requester of {request.ShardId} from {request.Owner}, mid-handoff");
        }
        else if (roll < 6)
        {
            await fleet.KillAsync(owner, $"owner of {request.ShardId} asked to hand it to {request.Requester}, mid-handoff");
        }
        else
        {
            await fleet.KillAsync(fresh, $"requester of {request.ShardId}, mid-handoff, with its owner");
            await fleet.KillAsync(owner, $"owner of {request.ShardId}, mid-handoff, with its requester");
        }

        await Task.Delay(random.Next(0, 1000));
        TopUp("replaces the workers killed mid-handoff");
    }

    private async Task WaitUntilTakenAsync(FleetWorker victim)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < 2 * leaseDuration)
        {
            IReadOnlyList<Lease> now = await leases();
            if (victim.WorkerId is null || now.All(lease => lease.Owner != victim.WorkerId))
            {
                return;
            }

            await Task.Delay(200);
        }
    }

    private async Task<HandoffRequest?> WaitForRequestAsync(FleetWorker fresh, int seen)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StepWait && fresh.IsLive)
        {
            if (fresh.WorkerId is { } id && fleet.HandoffRequests.Skip(seen).FirstOrDefault(request => request.Requester == id) is { } request)
            {
                return request;
            }

            await Task.Delay(20);
        }

        return null;
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout) =>
        await Task.WhenAny(task, Task.Delay(timeout)) == task;

    private FleetWorker PickLive(FleetWorker? except = null)
    {
        List<FleetWorker> live = [.. fleet.Live.Where(worker => worker != except)];
        return live[random.Next(live.Count)];
    }

    /// <summary>Starts fresh workers until the fleet is back at its size.</summary>
    private void TopUp(string why)
    {
        for (int missing = size - fleet.Live.Count; missing > 0; missing--)
        {
            fleet.Start(why);
        }
    }

    private void ReplaceWorkersThatExited()
    {
        foreach (FleetWorker exited in fleet.All.Where(worker => worker.ExitedByItself && !_reported.Contains(worker)))
        {
            _reported.Add(exited);
            fleet.Note($"{exited.Label} EXITED BY ITSELF with code {exited.Process.ExitCode}");
        }

        TopUp("replaces a worker that exited by itself");
    }
}
