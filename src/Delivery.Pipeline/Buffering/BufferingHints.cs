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

    /// <summary>
    /// What one buffer gathers: each shard's records apart (<see cref="BufferingScope.Shard"/>, the default), or every
    /// shard this worker holds together (<see cref="BufferingScope.Worker"/>), for fewer, larger objects.
    /// </summary>
    public BufferingScope Scope { get; set; } = BufferingScope.Shard;

    /// <summary>
    /// Days a worker-scope plan is kept in the plan ledger (DynamoDB TTL). It must exceed the stream's retention: a plan
    /// not written within that has lost its records anyway (decision 0014). Default 8; 1 to 400.
    /// </summary>
    [Range(1, 400)]
    public int PlanRetentionDays { get; set; } = 8;

    public long SizeInBytes => SizeInMBs * 1024L * 1024L;

    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalInSeconds);
}

/// <summary>What a pipeline's buffer gathers (<c>Buffering:Scope</c>).</summary>
public enum BufferingScope
{
    /// <summary>One buffer per shard: an object holds one shard's records (decision 0004).</summary>
    Shard,

    /// <summary>
    /// One buffer per pipeline for every shard the worker holds: an object holds ranges of many shards, planned through
    /// the plan ledger so that a crash never puts a record in two objects (decision 0014).
    /// </summary>
    Worker,
}
