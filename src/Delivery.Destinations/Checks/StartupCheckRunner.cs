using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.Checks;

/// <summary>
/// Runs every pipeline's start-up checks before the worker reads anything: the pipelines at the same time, each
/// pipeline's checks in order, stopping at its first failure (the checks after it, often on the same bucket, would
/// mostly repeat it). What to do after each attempt is <see cref="StartupCheckPolicy"/>'s decision, timed on the
/// injected clock from the moment the checks began, so the start as a whole is bounded.
/// </summary>
public sealed class StartupCheckRunner(TimeProvider timeProvider, ILogger<StartupCheckRunner> logger, StartupCheckPolicy? policy = null)
{
    private readonly StartupCheckPolicy _policy = policy ?? new StartupCheckPolicy();

    /// <summary>Runs the checks; returns one failure per pipeline that cannot use its destination, none when all passed.</summary>
    /// <param name="checks">Each pipeline's checks, in the order they run.</param>
    /// <param name="cancellationToken">Stops the checks (SIGTERM during start); throws <see cref="OperationCanceledException"/>.</param>
    public async Task<IReadOnlyList<DestinationCheckFailure>> RunAsync(IReadOnlyDictionary<string, IReadOnlyList<IDestinationCheck>> checks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checks);
        long started = timeProvider.GetTimestamp();
        DestinationCheckFailure?[] failures = await Task.WhenAll(checks.Select(pair => RunPipelineAsync(pair.Key, pair.Value, started, cancellationToken))).ConfigureAwait(false);
        return [.. failures.OfType<DestinationCheckFailure>()];
    }

    private async Task<DestinationCheckFailure?> RunPipelineAsync(string pipeline, IReadOnlyList<IDestinationCheck> checks, long started, CancellationToken cancellationToken)
    {
        foreach (IDestinationCheck check in checks)
        {
            if (await RunCheckAsync(pipeline, check, started, cancellationToken).ConfigureAwait(false) is { } reason)
            {
                Log.CheckFailed(logger, pipeline, check.Setting, check.Target, reason);
                return new DestinationCheckFailure(pipeline, check.Setting, reason);
            }

            Log.CheckPassed(logger, pipeline, check.Setting, check.Target);
        }

        return null;
    }

    // Null when the check passed, else why it failed.
    private async Task<string?> RunCheckAsync(string pipeline, IDestinationCheck check, long started, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            CheckOutcome outcome = await AttemptAsync(check, _policy.AttemptTimeout(timeProvider.GetElapsedTime(started)), cancellationToken).ConfigureAwait(false);
            CheckDecision decision = _policy.Decide(outcome, attempt, timeProvider.GetElapsedTime(started));
            if (decision.Step == CheckStep.Pass)
            {
                return null;
            }

            if (decision.Step == CheckStep.Fail)
            {
                return decision.Reason;
            }

            Log.CheckRetrying(logger, pipeline, check.Setting, check.Target, outcome.Reason, decision.Delay);
            await Task.Delay(decision.Delay, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CheckOutcome> AttemptAsync(IDestinationCheck check, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return await check.RunAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CheckOutcome.Transient($"no answer from {check.Target} within {timeout.TotalSeconds:0} s");
        }
#pragma warning disable CA1031 // A check classifies the failures it knows; anything else is reported, not retried, and never a crash dump.
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            // A client cut short by the attempt's deadline may throw its own exception rather than a cancellation.
            return limit.IsCancellationRequested
                ? CheckOutcome.Transient($"no answer from {check.Target} within {timeout.TotalSeconds:0} s")
                : CheckOutcome.Permanent($"{check.Target}: {exception.GetType().Name}: {exception.Message}");
        }
    }
}
