using System.Diagnostics;
using System.Text.Json;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// Runs one scenario in a fresh process pinned to a set of cores with <c>taskset</c>: the runtime then sizes its thread
/// pool and GC for that many processors, as it would in an ECS task of that size, and each scenario's peak memory and
/// JIT state are its own.
/// </summary>
public static class ChildProcess
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, string cpus)
    {
        var start = new ProcessStartInfo("taskset") { RedirectStandardOutput = true, UseShellExecute = false };

        // Parquet runs: tiering counts calls at once instead of after 100 ms without new methods, because on one
        // busy core the Parquet encoder otherwise still ran unoptimised code (5 times the CPU per record) after the
        // warm-up runs. The NDJSON runs without a transform keep the runtime's defaults, as production does: with this setting the NDJSON
        // pipeline cost 380 instead of 268 ns per 100 B record (same machine, interleaved runs, load 1).
        // Transform runs likewise: at load 8-9 on one core, a profile after the warm-ups still showed the partitioner,
        // the query and the page accessors QuickJitted, and the partitioning floor's own work measured 2,157 ns per
        // 100 B record in one run and 528 in the next, as its code had or had not been tiered up by then.
        if (scenario.Parquet is not null || scenario.Transform != Transforms.PipelineTransform.None)
        {
            start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(cpus);
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable this is.");
        start.ArgumentList.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        start.ArgumentList.Add("scenario");
        foreach (string argument in ScenarioArguments.Format(scenario))
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start taskset.");
        string output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        string? last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null)
        {
            throw new InvalidOperationException($"The scenario process failed with exit code {process.ExitCode}: {string.Join(' ', ScenarioArguments.Format(scenario))}");
        }

        return JsonSerializer.Deserialize<ScenarioResult>(last, Program.Json) ?? throw new InvalidOperationException("The scenario printed no result.");
    }
}
