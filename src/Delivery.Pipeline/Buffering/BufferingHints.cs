using System.ComponentModel.DataAnnotations;

namespace Delivery.Pipeline.Buffering;

/// <summary>
/// When a shard's buffer is cut into a batch: at the size or at the interval, whichever comes first (Firehose's
/// buffering hints).
/// </summary>
public sealed class BufferingHints
{
    /// <summary>Uncompressed bytes that cut a batch, in MiB. Default 5; 1 to 128.</summary>
    [Range(1, 128)]
    public int SizeInMBs { get; set; } = 5;

    /// <summary>
    /// Seconds after the first record entered an empty buffer that cut a batch. Default 300; 0 to 900. With 0 every
    /// page read is delivered as soon as it arrives.
    /// </summary>
    [Range(0, 900)]
    public int IntervalInSeconds { get; set; } = 300;

    public long SizeInBytes => SizeInMBs * 1024L * 1024L;

    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalInSeconds);
}
