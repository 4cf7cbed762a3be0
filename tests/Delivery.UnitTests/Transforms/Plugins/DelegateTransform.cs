using Delivery.Transforms;

namespace Delivery.UnitTests.Transforms.Plugins;

/// <summary>An in-process transform whose behaviour a test gives as a function; it records every invocation it gets.</summary>
internal sealed class DelegateTransform(Func<TransformInvocation, CancellationToken, ValueTask<IReadOnlyList<TransformedRecord>>> transform) : IRecordTransform
{
    private readonly List<TransformInvocation> _invocations = [];

    public DelegateTransform(Func<TransformRecord, TransformedRecord> perRecord)
        : this((invocation, _) => ValueTask.FromResult<IReadOnlyList<TransformedRecord>>([.. invocation.Records.Select(perRecord)]))
    {
    }

    public IReadOnlyList<TransformInvocation> Invocations
    {
        get
        {
            lock (_invocations)
            {
                return [.. _invocations];
            }
        }
    }

    public ValueTask<IReadOnlyList<TransformedRecord>> TransformAsync(TransformInvocation invocation, CancellationToken cancellationToken)
    {
        // A plugin that keeps records past its call must copy their bytes: the ones it is lent stop working then.
        var kept = new TransformInvocation
        {
            InvocationId = invocation.InvocationId,
            DeliveryStreamArn = invocation.DeliveryStreamArn,
            SourceKinesisStreamArn = invocation.SourceKinesisStreamArn,
            Region = invocation.Region,
            Records = [.. invocation.Records.Select(record => record with { Data = record.Data.ToArray() })],
        };
        lock (_invocations)
        {
            _invocations.Add(kept);
        }

        return transform(invocation, cancellationToken);
    }
}
