using System.Reflection;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delivery.IntegrationTests.Worker.Redrive;

/// <summary>
/// The real S3 client, which stops the run (cancels its token) the moment the first object lands in the destination
/// bucket: the redrive is then cut exactly between a delivery and its marker, the worst place a crash can hit it.
/// </summary>
public class CrashAfterDelivery : DispatchProxy
{
    private IAmazonS3 _target = null!;
    private string _destinationBucket = null!;
    private CancellationTokenSource _stop = null!;

    public static IAmazonS3 Wrap(IAmazonS3 target, string destinationBucket, CancellationTokenSource stop)
    {
        IAmazonS3 proxy = Create<IAmazonS3, CrashAfterDelivery>();
        var self = (CrashAfterDelivery)(object)proxy;
        (self._target, self._destinationBucket, self._stop) = (target, destinationBucket, stop);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        object? result;
        try
        {
            result = targetMethod.Invoke(_target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }

        return args is [PutObjectRequest { } put, ..] && put.BucketName == _destinationBucket && result is Task<PutObjectResponse> written
            ? StopAfterAsync(written)
            : result;
    }

    private async Task<PutObjectResponse> StopAfterAsync(Task<PutObjectResponse> written)
    {
        PutObjectResponse response = await written.ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        return response;
    }
}
