namespace Delivery.Transforms;

/// <summary>
/// A transform that runs inside the worker: the Firehose data-transformation contract (one result per input record,
/// <see cref="TransformResult.Ok"/>, <see cref="TransformResult.Dropped"/> or <see cref="TransformResult.ProcessingFailed"/>)
/// without JSON, base64, a network hop or Lambda's 6 MB payload cap.
/// </summary>
/// <remarks>
/// <para>
/// A plugin is a class library that references only <c>Delivery.Abstractions</c>. The worker loads it from the directory
/// named in the pipeline's <c>Plugin</c> processor, in an isolated load context that shares this assembly with the host,
/// and creates the transform once at start through a public constructor that takes either nothing or an
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/> of string settings (the processor's <c>Settings</c>). If the
/// transform implements <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>, it is disposed when the worker stops.
/// </para>
/// <para>
/// Invocations may run concurrently (several batches are delivered at once), so an implementation must be thread-safe.
/// A thrown exception fails the whole invocation: it is retried up to the processor's <c>NumberOfRetries</c>, and then
/// every record of it goes to the backup bucket with error code <c>Plugin.Exception</c>.
/// </para>
/// </remarks>
public interface IRecordTransform
{
    /// <summary>
    /// Transforms the records of one invocation. Returns exactly one <see cref="TransformedRecord"/> per input
    /// <see cref="TransformRecord.RecordId"/>, in any order; an id missing from the results or present twice fails
    /// that record (error codes <c>Lambda.MissingRecordId</c>, <c>Lambda.DuplicatedRecordId</c>).
    /// </summary>
    ValueTask<IReadOnlyList<TransformedRecord>> TransformAsync(TransformInvocation invocation, CancellationToken cancellationToken);
}
