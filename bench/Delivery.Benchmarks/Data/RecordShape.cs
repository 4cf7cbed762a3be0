namespace Delivery.Benchmarks.Data;

/// <summary>The three record kinds the benchmarks feed: the sizes Firehose users typically send.</summary>
public enum RecordShape
{
    /// <summary>A terse application log line as JSON, about 100 bytes.</summary>
    Log100,

    /// <summary>A web clickstream event as JSON, about 600 bytes.</summary>
    Click600,

    /// <summary>An error log with a stack trace and request context as JSON, about 4 KiB.</summary>
    Trace4K,
}

public static class RecordShapes
{
    public static IReadOnlyList<RecordShape> All { get; } = [RecordShape.Log100, RecordShape.Click600, RecordShape.Trace4K];

    /// <summary>The nominal size, for labels: "100 B", "600 B", "4 KiB".</summary>
    public static string Label(this RecordShape shape) => shape switch
    {
        RecordShape.Log100 => "100 B",
        RecordShape.Click600 => "600 B",
        RecordShape.Trace4K => "4 KiB",
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, null),
    };

    public static RecordShape Parse(string text) => text.ToUpperInvariant() switch
    {
        "100" or "LOG100" or "SMALL" => RecordShape.Log100,
        "600" or "CLICK600" or "MEDIUM" => RecordShape.Click600,
        "4K" or "4096" or "TRACE4K" or "LARGE" => RecordShape.Trace4K,
        _ => throw new ArgumentException($"Unknown record size '{text}'; use 100, 600 or 4k.", nameof(text)),
    };
}
