namespace Delivery.Transforms.Processing;

/// <summary>
/// One configured processor (a built-in processor, a Lambda, an HTTP transform or a plugin) applied to a whole batch's
/// records at once. Stages are created once per pipeline and shared by its concurrent deliveries, so they are thread-safe.
/// </summary>
public interface IProcessingStage
{
    /// <summary>How logs and failed records name the stage, such as <c>Decompression</c> or a Lambda ARN.</summary>
    string Name { get; }

    /// <summary>
    /// Processes <paramref name="records"/> (in shard order) and returns what comes out, in order. A record that cannot be
    /// processed is reported with <see cref="ProcessingRun.Fail(int, string, string, string, int, string?)"/> and left out. Throws only
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled: anything else a stage
    /// throws fails every record it was given.
    /// </summary>
    ValueTask<IReadOnlyList<ChainRecord>> ProcessAsync(ProcessingRun run, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken);
}
