using System.Reflection;
using Amazon.S3;

namespace Delivery.UnitTests.Destinations.S3;

/// <summary>
/// An <see cref="IAmazonS3"/> that answers only the calls a test set up and records every call, so failures S3 emulators
/// cannot produce (throttling, 5xx, a part failing mid-upload) can be tested. Safe for the concurrent writes of a
/// batch's partitions.
/// </summary>
public class FakeS3 : DispatchProxy
{
    private readonly Dictionary<Type, Func<object, CancellationToken, object>> _handlers = [];

    public List<string> Calls { get; } = [];

    public List<object> Requests { get; } = [];

    public static (IAmazonS3 Client, FakeS3 Fake) Create()
    {
        IAmazonS3 client = Create<IAmazonS3, FakeS3>();
        return (client, (FakeS3)(object)client);
    }

    public FakeS3 On<TRequest, TResponse>(Func<TRequest, CancellationToken, Task<TResponse>> handler)
    {
        _handlers[typeof(TRequest)] = (request, cancellationToken) => handler((TRequest)request, cancellationToken);
        return this;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        lock (_handlers)
        {
            Calls.Add(targetMethod.Name);
        }

        if (args is [{ } request, CancellationToken cancellationToken] && _handlers.TryGetValue(request.GetType(), out var handler))
        {
            lock (_handlers)
            {
                Requests.Add(request);
            }

            return handler(request, cancellationToken);
        }

        throw new NotSupportedException($"FakeS3 has no answer for {targetMethod.Name}.");
    }
}
