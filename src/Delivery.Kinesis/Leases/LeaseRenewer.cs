using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Leases;

/// <summary>
/// Renews the leases a worker holds, each conditional on owner and counter, and stops the shard of any lease that is
/// lost: taken by another worker, or not renewed for a whole lease duration (after which another worker may have
/// taken it without this one being able to tell). A renewal also shows whether another worker asked for the lease;
/// the shard is then handed over gracefully.
/// </summary>
internal sealed class LeaseRenewer(string workerId, string streamName, ILeaseStore store, TimeSpan leaseDuration, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>Renews every lease in <paramref name="held"/> at once; each call gives up after <paramref name="callTimeout"/>.</summary>
    public Task RenewAsync(IReadOnlyCollection<HeldLease> held, TimeSpan callTimeout, CancellationToken cancellationToken) =>
        Task.WhenAll(held.Where(lease => lease.NeedsRenewal).Select(lease => RenewAsync(lease, callTimeout, cancellationToken)));

    private async Task RenewAsync(HeldLease lease, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        // Others count the lease duration from before this request reached the table, so this worker does too. A call
        // may not outlive the lease either: once a whole lease duration has passed since the last renewal was sent,
        // another worker may have taken the lease, so this one lets go rather than waiting for an answer.
        long attempted = timeProvider.GetTimestamp();
        TimeSpan remaining = leaseDuration - timeProvider.GetElapsedTime(lease.LastRenewed, attempted);
        if (remaining > TimeSpan.Zero)
        {
            try
            {
                using var timeout = new CancellationTokenSource(remaining < callTimeout ? remaining : callTimeout, timeProvider);
                using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                Lease? renewed = await store.TryRenewLeaseAsync(lease.Lease, call.Token).ConfigureAwait(false)
                    ?? await RenewAfterLostReplyAsync(lease.Lease, call.Token).ConfigureAwait(false);
                if (renewed is not null)
                {
                    lease.Lease = renewed;
                    lease.LastRenewed = attempted;
                    if (renewed.PendingOwner is { } requester)
                    {
                        lease.Consumer.RequestHandoff(requester);
                    }

                    return;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Unreachable table or a timed-out call: the lease is still ours until a full lease duration passes
                // without a renewal.
                if (timeProvider.GetElapsedTime(lease.LastRenewed) < leaseDuration)
                {
                    Log.LeaseRoundFailed(logger, ex, workerId, streamName);
                    return;
                }
            }
        }

        if (!lease.Consumer.Completion.IsCompleted)
        {
            Log.LeaseLost(logger, workerId, lease.Consumer.ShardId);
            lease.Consumer.OnLeaseLost();
        }
    }

    /// <summary>
    /// A renewal was refused: the counter is not the one this worker last saw. That happens when the lease was taken, but
    /// also when an earlier renewal was applied and only its reply was lost. As the KCL does, read the lease again (a
    /// consistent read): while it has the same owner and tenure nobody took it since, so it is renewed from what the
    /// table holds. Returns null when it is really lost.
    /// </summary>
    private async Task<Lease?> RenewAfterLostReplyAsync(Lease held, CancellationToken cancellationToken)
    {
        Lease? current = await store.GetLeaseAsync(held.LeaseKey, cancellationToken).ConfigureAwait(false);
        if (current is null || current.Owner != held.Owner || current.Tenure != held.Tenure)
        {
            return null;
        }

        return await store.TryRenewLeaseAsync(current, cancellationToken).ConfigureAwait(false);
    }
}
