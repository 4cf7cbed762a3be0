using System.Text.RegularExpressions;
using Delivery.Kinesis;
using Delivery.Kinesis.Leases;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Delivery.UnitTests.Pipeline;
using Microsoft.Extensions.Logging;

namespace Delivery.UnitTests.Kinesis.Leases;

/// <summary>
/// Several workers (coordinator, pipeline and a recording destination each) sharing one fake stream, one in-memory
/// lease table, one fake clock and one log, so tests can check what happened in the order it happened.
/// </summary>
internal sealed partial class FleetHarness : IAsyncDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);
    private readonly ILoggerFactory _loggers;
    private readonly Random _random = new(3);

    private readonly int _intervalSeconds;

    public FleetHarness(int shards, int leaseDurationSeconds = 3, int intervalSeconds = 1)
    {
        LeaseDuration = TimeSpan.FromSeconds(leaseDurationSeconds);
        _intervalSeconds = intervalSeconds;
        Stream = new FakeKinesisStream("orders", Time);
        for (int i = 0; i < shards; i++)
        {
            Shards.Add(Stream.AddShard());
        }

        _loggers = LoggerFactory.Create(builder => builder.AddProvider(Log).SetMinimumLevel(LogLevel.Debug));
    }

    public TimeSpan LeaseDuration { get; }

    public FakeTimeProvider Time { get; } = new();

    public FakeKinesisStream Stream { get; }

    public InMemoryLeaseStore Store { get; } = new();

    public CapturingLoggerProvider Log { get; } = new();

    public List<string> Shards { get; } = [];

    /// <summary>Every worker started, stopped and killed ones included.</summary>
    public List<FleetWorker> Everyone { get; } = [];

    /// <summary>Workers that have not been stopped or killed.</summary>
    public List<FleetWorker> Live { get; } = [];

    public async Task<FleetWorker> StartAsync(string id)
    {
        var options = new KinesisSourceOptions
        {
            StreamName = Stream.StreamName,
            Leases = new LeaseOptions { LeaseDurationSeconds = (int)LeaseDuration.TotalSeconds, HandoffTimeoutSeconds = 10 },
            Reading = new ReadingOptions { IdleMillisBetweenReads = 200 },
        };
        var worker = new FleetWorker(id, options, Stream, Store, Time, _loggers, _intervalSeconds);
        Everyone.Add(worker);
        Live.Add(worker);
        await worker.Coordinator.StartAsync(CancellationToken.None);
        return worker;
    }

    /// <summary>The loads of live workers, largest first, counting only shards being read.</summary>
    public int[] Loads() => [.. Live.Select(worker => worker.Reading().Count).OrderDescending()];

    /// <summary>Puts a few records into random shards, as a steady producer would.</summary>
    public void Produce()
    {
        for (int i = 0; i < 3; i++)
        {
            Stream.Put(Shards[_random.Next(Shards.Count)], 2);
        }
    }

    /// <summary>Moves the fake clock for <paramref name="duration"/>, with records arriving all along.</summary>
    public async Task Drive(TimeSpan duration, TimeSpan? step = null)
    {
        for (TimeSpan driven = TimeSpan.Zero; driven < duration; driven += step ?? Step)
        {
            Produce();
            Time.Advance(step ?? Step);
            await Task.Delay(1);
        }
    }

    /// <summary>Moves the fake clock in small steps, letting the workers' loops run in between.</summary>
    public async Task DriveUntil(Func<bool> condition, string what, bool produce = true, int maxSteps = 6000)
    {
        for (int step = 0; step < maxSteps; step++)
        {
            if (condition())
            {
                return;
            }

            if (produce)
            {
                Produce();
            }

            Time.Advance(Step);
            await Task.Delay(1);
        }

        throw new TimeoutException($"Gave up waiting until {what}. Loads: {string.Join('/', Loads())}.");
    }

    public Task DriveUntilEveryShardIsCheckpointedAtItsEnd() =>
        DriveUntil(() => Shards.All(shard => Store[shard].Checkpoint.Value == Stream.LastSequenceNumber(shard)), "every shard is checkpointed at its last record", produce: false);

    public void Forget(FleetWorker worker) => Live.Remove(worker);

    /// <summary>Every record of every shard, in shard order, as the fake stream numbers them ("shardId:n").</summary>
    public List<string> EveryRecordPut() => [.. Shards.SelectMany(Stream.DataOf)];

    /// <summary>
    /// Reading intervals from the shared log, in the order they happened: for every shard, checks that a worker starts
    /// reading only after the previous reader stopped. Returns how many intervals there were.
    /// </summary>
    public int AssertNoShardWasReadByTwoWorkersAtOnce()
    {
        var reading = new Dictionary<string, string>(StringComparer.Ordinal);
        int intervals = 0;
        foreach (CapturedLog entry in Log.Entries)
        {
            if (entry.EventId.Name == "ShardReadingStarted" && ReadingEvent().Match(entry.Message) is { Success: true } started)
            {
                string shard = started.Groups["shard"].Value;
                if (reading.TryGetValue(shard, out string? other))
                {
                    throw new ShouldAssertException($"{started.Groups["worker"].Value} started reading {shard} while {other} was still reading it");
                }

                reading[shard] = started.Groups["worker"].Value;
                intervals++;
            }
            else if (entry.EventId.Name == "ShardReadingStopped" && ReadingEvent().Match(entry.Message) is { Success: true } stopped)
            {
                reading.Remove(stopped.Groups["shard"].Value).ShouldBeTrue();
            }
        }

        return intervals;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (FleetWorker worker in Everyone)
        {
            worker.Writer.Unblock();
            await worker.DisposeAsync();
        }

        _loggers.Dispose();
    }

    [GeneratedRegex(@"^Worker (?<worker>\S+) (starts|stopped) reading shard (?<shard>\S+) ")]
    private static partial Regex ReadingEvent();
}

internal sealed class FleetWorker : IAsyncDisposable
{
    public FleetWorker(string id, KinesisSourceOptions options, FakeKinesisStream stream, InMemoryLeaseStore store, FakeTimeProvider time, ILoggerFactory loggers, int intervalSeconds)
    {
        Id = id;
        Pipeline = new DeliveryPipeline(
            new PipelineSettings { Name = "p", Buffering = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = intervalSeconds } },
            Writer,
            new RecordingBackupWriter(),
            new MemoryBudget(64L * 1024 * 1024),
            time,
            loggers.CreateLogger<DeliveryPipeline>());
        Pipeline.Start();
        Coordinator = new LeaseCoordinator(id, options, stream, store, Pipeline, time, loggers.CreateLogger<LeaseCoordinator>());
    }

    public string Id { get; }

    public RecordingBatchWriter Writer { get; } = new();

    public DeliveryPipeline Pipeline { get; }

    public LeaseCoordinator Coordinator { get; }

    /// <summary>The shards this worker is reading now (not those it is handing over or has finished).</summary>
    public List<string> Reading() =>
        [.. Coordinator.HeldShards.Where(pair => pair.Value is Delivery.Kinesis.Reading.ShardConsumerState.Initializing or Delivery.Kinesis.Reading.ShardConsumerState.Reading).Select(pair => pair.Key)];

    /// <summary>SIGTERM: stop reading, deliver, checkpoint, release.</summary>
    public async Task StopAsync()
    {
        await Coordinator.StopAsync(CancellationToken.None);
        await Pipeline.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Coordinator.DisposeAsync();
        await Pipeline.DisposeAsync();
    }
}
