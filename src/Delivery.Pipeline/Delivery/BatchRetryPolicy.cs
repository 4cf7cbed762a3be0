using Polly;
using Polly.Retry;

namespace Delivery.Pipeline.Delivery;

/// <summary>
/// Retries a whole batch after its destination gave up on it (the AWS SDK has already retried each call by then).
/// Like Firehose for S3, a batch is retried until it is delivered: there is no failure path that drops records.
/// Cancellation (shutdown, lost lease) is never retried.
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
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException and not LeaseLostException),
                OnRetry = args =>
                {
                    onRetry(args);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
