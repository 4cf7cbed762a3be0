using System.IO.Compression;
using Delivery.Benchmarks.Data;
using Delivery.Formats.Compression;
using Delivery.Formats.Parquet;
using Delivery.Pipeline.Buffering;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>One in-process end-to-end measurement: what is fed, and how the pipeline is configured.</summary>
public sealed record Scenario
{
    public RecordShape Shape { get; init; } = RecordShape.Click600;

    public int Shards { get; init; } = 4;

    /// <summary>Uncompressed record bytes fed in total (across shards), in MB (10^6 bytes).</summary>
    public int Megabytes { get; init; } = 1000;

    /// <summary>Caps the records of one run, so the pages of a pre-built run of small records fit in memory.</summary>
    public long MaxRecords { get; init; } = 4_000_000;

    public CompressionFormat Compression { get; init; } = CompressionFormat.Gzip;

    public CompressionLevel Level { get; init; } = CompressionLevel.Fastest;

    /// <summary>True: pages are built before the clock starts (throughput); false: built as they are read (memory).</summary>
    public bool Prebuilt { get; init; } = true;

    public int BufferMiB { get; init; } = 5;

    public int IntervalSeconds { get; init; } = 300;

    public int MaxConcurrentDeliveries { get; init; } = 4;

    public int MemoryBudgetMiB { get; init; } = 512;

    /// <summary>
    /// <c>Buffering:Scope</c>: with <see cref="BufferingScope.Worker"/> the pipeline runs on the in-memory plan ledger
    /// (<see cref="BenchPlanServices"/>), one buffer for all the run's shards.
    /// </summary>
    public BufferingScope Scope { get; init; } = BufferingScope.Shard;

    /// <summary>
    /// When above 0, a steady run: pages are built as they are read, readers go on until this many seconds after a
    /// warm-up, and the figures cover that window only (throughput at a shard count, memory). Otherwise a fixed volume.
    /// </summary>
    public int Seconds { get; init; }

    /// <summary>Records per page at most (GetRecords' limit is 10,000 and 10 MiB).</summary>
    public int RecordsPerPage { get; init; } = 10_000;

    /// <summary>Keep every object and check it holds exactly the records of its range, byte for byte.</summary>
    public bool Verify { get; init; }

    /// <summary>
    /// When set, records are converted to Parquet with these page codecs (the schema of the shape's DuckDB comparison)
    /// and the floor is the encoder alone; otherwise NDJSON compressed by <see cref="Compression"/>.
    /// </summary>
    public ParquetCompression? Parquet { get; init; }

    /// <summary>
    /// Feed GetRecords answers (JSON with base64 data, built before the clock starts) that the run parses into pages
    /// as the Kinesis reader does, instead of pages; the floor is then parse + gzip of the same answers.
    /// </summary>
    public bool FromResponses { get; init; }

    /// <summary>
    /// A transform between the buffer and the writer (NDJSON + <see cref="Compression"/>); the floor is then the
    /// transform's own work alone plus the codec alone (<see cref="Transforms.TransformFloor"/>).
    /// </summary>
    public Transforms.PipelineTransform Transform { get; init; }

    /// <summary>
    /// Volume runs: how many times the pipeline and then its floor are measured, in turn; each side's figures are its
    /// median round by CPU per record.
    /// </summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Also time the codec (or the Parquet encoder) alone on the same bytes.</summary>
    public bool CodecFloor { get; init; } = true;

    public long RecordsFor(RecordPool pool) => Math.Max(Shards, Math.Min(MaxRecords, (long)(Megabytes * 1_000_000L / pool.AverageBytes)));

    public string TransformLabel => Transform == Transforms.PipelineTransform.None ? "" : $", {Transform.ToString().ToLowerInvariant()} transform";

    public string CodecLabel => Parquet is { } pages ? $"Parquet, {pages.ToString().ToLowerInvariant()} pages"
        : Compression == CompressionFormat.Uncompressed ? "none" : $"{Compression.ToString().ToLowerInvariant()} {Level}";
}

/// <summary>What one scenario measured; printed by the child process as one JSON line.</summary>
public sealed record ScenarioResult
{
    public required Scenario Scenario { get; init; }

    public required int Processors { get; init; }

    public required long Records { get; init; }

    /// <summary>Uncompressed record bytes delivered (without delimiters).</summary>
    public required long Bytes { get; init; }

    public required long Objects { get; init; }

    public required long ObjectBytes { get; init; }

    public required ResourceUse Use { get; init; }

    /// <summary>The codec alone on the same records, same level, same object size, as many threads as processors.</summary>
    public ResourceUse? Codec { get; init; }

    public long CodecRecords { get; init; }

    public long CodecBytes { get; init; }

    /// <summary>The transform's own share of <see cref="Codec"/> (transform pipelines only); the rest is the codec's.</summary>
    public ResourceUse? FloorWork { get; init; }

    public string? Verified { get; init; }

    /// <summary>Rounds measured (see <see cref="Scenario.Rounds"/>); the figures are each side's median.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>What the simulated readers allocated for their pages (as our Kinesis reader would): not the pipeline's.</summary>
    public long SourceAllocatedBytes { get; init; }

    /// <summary>The most the memory budget held during the window (steady runs only).</summary>
    public long BudgetPeakBytes { get; init; }

    /// <summary>
    /// The managed heap after a full blocking collection at the end of the window (steady runs only): what the process
    /// really holds alive, as against the garbage the GC has not collected yet.
    /// </summary>
    public long LiveBytesAfterFullCollection { get; init; }

    /// <summary>The largest managed heap seen in the window (steady runs only), garbage included.</summary>
    public long HeapPeakBytes { get; init; }

    public double RecordsPerSecond => Records / Use.Seconds;

    public double MegabytesPerSecond => Bytes / Use.Seconds / 1e6;

    public double? CodecRecordsPerSecond => Codec is null ? null : CodecRecords / Codec.Seconds;

    public double? CodecMegabytesPerSecond => Codec is null ? null : CodecBytes / Codec.Seconds / 1e6;

    /// <summary>Pipeline over codec alone, per record: the share of the codec's speed the pipeline keeps.</summary>
    public double? Ratio => CodecRecordsPerSecond is { } codec ? RecordsPerSecond / codec : null;

    public double CpuNanosecondsPerRecord => Use.CpuSeconds * 1e9 / Records;

    /// <summary>What the pipeline allocated per record, the readers' pages not counted.</summary>
    public double AllocatedBytesPerRecord => (double)(Use.AllocatedBytes - SourceAllocatedBytes) / Records;

    public double SourceAllocatedBytesPerRecord => (double)SourceAllocatedBytes / Records;
}
