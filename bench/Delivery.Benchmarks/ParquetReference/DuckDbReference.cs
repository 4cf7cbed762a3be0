using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Delivery.Testing;

namespace Delivery.Benchmarks.ParquetReference;

/// <summary>
/// DuckDB through <c>tests/parquet-readers/duckdb-bench.mjs</c> (npm <c>@duckdb/node-api</c>): its own JSON -> Parquet
/// conversion of the same file, timed inside the process so that loading DuckDB is not counted, and a row-by-row
/// comparison of our file with its file.
/// </summary>
public static class DuckDbReference
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<ConversionTimes> ConvertAsync(ParquetInput input, string ndjson, string output, string codec, int runs, string cpus)
    {
        var columns = new JsonObject();
        foreach ((string name, string type) in input.DuckDbColumns)
        {
            columns[name] = type;
        }

        var spec = new JsonObject
        {
            ["input"] = ndjson,
            ["output"] = output,
            ["codec"] = codec,
            ["runs"] = runs,
            ["columns"] = columns,
            ["select"] = input.DuckDbSelect,
        };
        string line = await NodeAsync(cpus, "convert", spec.ToJsonString()).ConfigureAwait(false);
        return JsonSerializer.Deserialize<ConversionTimes>(line, Web) ?? throw new InvalidOperationException("duckdb-bench.mjs printed nothing.");
    }

    /// <summary>Rows in one file and not in the other, each with its position: (0, 0) means the same values in the same order.</summary>
    public static async Task<Comparison> CompareAsync(string ours, string theirs)
    {
        string line = await NodeAsync(null, "compare", ours, theirs).ConfigureAwait(false);
        return JsonSerializer.Deserialize<Comparison>(line, Web) ?? throw new InvalidOperationException("duckdb-bench.mjs printed nothing.");
    }

    private static async Task<string> NodeAsync(string? cpus, params string[] arguments)
    {
        var start = new ProcessStartInfo(cpus is null ? "node" : "taskset")
        {
            WorkingDirectory = IndependentReaders.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (cpus is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(cpus);
            start.ArgumentList.Add("node");
        }

        start.ArgumentList.Add("duckdb-bench.mjs");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"duckdb-bench.mjs {arguments[0]} failed ({process.ExitCode}); is tests/parquet-readers installed (npm ci)? {await stderr.ConfigureAwait(false)}");
        }

        return (await stdout.ConfigureAwait(false)).Trim();
    }

    public sealed record Comparison(long RowsA, long RowsB, long OnlyA, long OnlyB)
    {
        public bool Same => RowsA == RowsB && OnlyA == 0 && OnlyB == 0;
    }
}
