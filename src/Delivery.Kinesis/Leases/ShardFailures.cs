namespace Delivery.Kinesis.Leases;

/// <summary>
/// What a worker does when one shard's reader stops on an error. A shard's failure is that shard's, never the worker's:
/// the shard is tried again after a backoff that doubles from one lease round up to five minutes, while every other
/// shard goes on. Only errors that say the worker itself cannot read the stream (refused credentials or permissions, or
/// a manual replay configured at a position the shard does not have) stop the worker, since trying other shards cannot
/// help there and an exit is what an orchestrator acts on.
/// </summary>
/// <remarks>Pure policy with an injected clock; the coordinator does the I/O. Not thread-safe: the take loop owns it.</remarks>
public sealed class ShardFailures(TimeSpan round, TimeProvider timeProvider)
{
    /// <summary>The longest wait before a failing shard is tried again.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    // A shard that read well for this long after its last failure starts its backoff afresh.
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(10);

    private static readonly HashSet<string> WorkerWideCodes = new(StringComparer.Ordinal)
    {
        "Kinesis.InvalidStartingSequenceNumber",
        "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature",
        "MissingAuthenticationToken", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch",
        "KMSAccessDeniedException",
    };

    private readonly Dictionary<string, (int Failures, long LastFailure, TimeSpan Backoff)> _shards = new(StringComparer.Ordinal);

    /// <summary>True when the error means the worker cannot read the stream at all, so it should stop (exit code 1).</summary>
    public static bool StopsTheWorker(Exception error) =>
        error is DeliveryException { Kind: FailureKind.Permanent } permanent && WorkerWideCodes.Contains(permanent.ErrorCode);

    /// <summary>Notes a failure of the shard's reader; returns how many in a row and how long until it is tried again.</summary>
    public (int Failures, TimeSpan RetryIn) Failed(string shardId)
    {
        long now = timeProvider.GetTimestamp();
        int failures = 1;
        TimeSpan backoff = round;
        if (_shards.TryGetValue(shardId, out var previous) && timeProvider.GetElapsedTime(previous.LastFailure, now) < previous.Backoff + ForgetAfter)
        {
            failures = previous.Failures + 1;
            backoff = TimeSpan.FromTicks(Math.Min(previous.Backoff.Ticks * 2, MaxBackoff.Ticks));
        }

        _shards[shardId] = (failures, now, backoff);
        return (failures, backoff);
    }

    /// <summary>True unless the shard failed lately and its backoff has not run out yet.</summary>
    public bool MayTake(string leaseKey) =>
        !_shards.TryGetValue(leaseKey, out var failed) || timeProvider.GetElapsedTime(failed.LastFailure) >= failed.Backoff;

    /// <summary>The shards whose backoff is not over yet: not to be taken, reclaimed or asked for.</summary>
    public IReadOnlySet<string> BackingOff()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (string key in _shards.Keys)
        {
            if (!MayTake(key))
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>The shard's reader ended without an error (released, handed over, ended, lost): its record is cleared.</summary>
    public void Ended(string shardId) => _shards.Remove(shardId);

    /// <summary>Error code of a failure, for logs and metrics.</summary>
    public static string ErrorCodeOf(Exception error) => error is DeliveryException delivery ? delivery.ErrorCode : error.GetType().Name;
}
