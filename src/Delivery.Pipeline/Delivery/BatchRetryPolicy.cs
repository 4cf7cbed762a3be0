using Polly;
using Polly.Retry;

namespace Delivery.Pipeline.Delivery;

/// <summary>
/// Retries a whole batch after its destination gave up on it (the AWS SDK has already retried each call by then).
/// Like Firehose for S3, a batch is retried until it is delivered: there is no failure path that drops records.
/// Cancellation (shutdown, lost lease) is never retried; a timeout inside a client, which .NET also reports as an
/// OperationCanceledException, is.
/// </summary>
internal static class BatchRetryPolicy
{
    public static ResiliencePipeline Create(PipelineSettings settings, TimeProvider timeProvider, Action<OnRetryArguments<object>> onRetry)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        return builder
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.InitialRetryDelay,
                MaxDelay = settings.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception switch
                {
                    null or LeaseLostException => false,
                    OperationCanceledException => !args.Context.CancellationToken.IsCancellationRequested,
                    _ => true,
                }),
                OnRetry = args =>
                {
                    onRetry(args);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
