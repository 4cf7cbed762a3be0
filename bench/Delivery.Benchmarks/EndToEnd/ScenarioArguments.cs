using System.Globalization;
using System.IO.Compression;
using Delivery.Benchmarks.Data;
using Delivery.Formats.Compression;
using Delivery.Formats.Parquet;
using Delivery.Pipeline.Buffering;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>The command line of one scenario, so the orchestrator can run each one in a fresh child process.</summary>
public static class ScenarioArguments
{
    public static IReadOnlyList<string> Format(Scenario s) =>
    [
        "--size", s.Shape switch { RecordShape.Log100 => "100", RecordShape.Click600 => "600", _ => "4k" },
        "--shards", Invariant(s.Shards),
        "--mb", Invariant(s.Megabytes),
        "--max-records", Invariant(s.MaxRecords),
        "--compression", s.Compression.ToString(),
        "--level", s.Level.ToString(),
        "--prebuilt", s.Prebuilt ? "true" : "false",
        "--buffer-mib", Invariant(s.BufferMiB),
        "--interval", Invariant(s.IntervalSeconds),
        "--deliveries", Invariant(s.MaxConcurrentDeliveries),
        "--budget-mib", Invariant(s.MemoryBudgetMiB),
        "--verify", s.Verify ? "true" : "false",
        "--codec-floor", s.CodecFloor ? "true" : "false",
        "--seconds", Invariant(s.Seconds),
        "--page-records", Invariant(s.RecordsPerPage),
        "--parquet", s.Parquet?.ToString() ?? "none",
        "--from-responses", s.FromResponses ? "true" : "false",
        "--transform", s.Transform.ToString(),
        "--scope", s.Scope.ToString(),
        "--rounds", Invariant(s.Rounds),
    ];

    public static Scenario Parse(IReadOnlyList<string> args)
    {
        var scenario = new Scenario();
        for (int i = 0; i + 1 < args.Count; i += 2)
        {
            string value = args[i + 1];
            scenario = args[i] switch
            {
                "--size" => scenario with { Shape = RecordShapes.Parse(value) },
                "--shards" => scenario with { Shards = Int(value) },
                "--mb" => scenario with { Megabytes = Int(value) },
                "--max-records" => scenario with { MaxRecords = long.Parse(value, CultureInfo.InvariantCulture) },
                "--compression" => scenario with { Compression = Enum.Parse<CompressionFormat>(value, ignoreCase: true) },
                "--level" => scenario with { Level = Enum.Parse<CompressionLevel>(value, ignoreCase: true) },
                "--prebuilt" => scenario with { Prebuilt = bool.Parse(value) },
                "--buffer-mib" => scenario with { BufferMiB = Int(value) },
                "--interval" => scenario with { IntervalSeconds = Int(value) },
                "--deliveries" => scenario with { MaxConcurrentDeliveries = Int(value) },
                "--budget-mib" => scenario with { MemoryBudgetMiB = Int(value) },
                "--verify" => scenario with { Verify = bool.Parse(value) },
                "--codec-floor" => scenario with { CodecFloor = bool.Parse(value) },
                "--seconds" => scenario with { Seconds = Int(value), Prebuilt = Int(value) == 0 && scenario.Prebuilt },
                "--page-records" => scenario with { RecordsPerPage = Int(value) },
                "--parquet" => scenario with { Parquet = value == "none" ? null : Enum.Parse<ParquetCompression>(value, ignoreCase: true) },
                "--from-responses" => scenario with { FromResponses = bool.Parse(value) },
                "--transform" => scenario with { Transform = Enum.Parse<Transforms.PipelineTransform>(value, ignoreCase: true) },
                "--scope" => scenario with { Scope = Enum.Parse<BufferingScope>(value, ignoreCase: true) },
                "--rounds" => scenario with { Rounds = Int(value) },
                _ => throw new ArgumentException($"Unknown scenario option '{args[i]}'."),
            };
        }

        return scenario;
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
