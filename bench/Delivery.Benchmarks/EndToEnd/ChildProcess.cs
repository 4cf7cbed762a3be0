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

        // Volume runs count calls for tier-up at once instead of after 100 ms without new methods, and warm up until
        // the JIT is quiet (ScenarioRunner, WarmUp): the figures are then those of a worker that has run for a while,
        // whose hot methods are all optimised. With the runtime's default and three warm-up runs, the measured window
        // ran part of the pipeline in tier-0 code (the NDJSON formatter's record loop, the page accessors: a profile of
        // the 100 B gzip row on one core) or paid for compiling it (the Parquet 100 B row: 28 % of its CPU), and the
        // floor, measured after the pipeline, did neither. Steady runs (shard count, memory) keep the default.
        if (scenario.Seconds == 0)
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
