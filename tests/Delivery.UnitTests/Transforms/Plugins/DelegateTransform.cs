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
        lock (_invocations)
        {
            _invocations.Add(invocation);
        }

        return transform(invocation, cancellationToken);
    }
}
