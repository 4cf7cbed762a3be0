namespace Delivery.Destinations.Retrying;

/// <summary>How one attempt at a destination call ended; a destination with a retry duration decides on this, not on exceptions.</summary>
public enum AttemptStatus
{
    Succeeded,

    /// <summary>Worth trying again while the retry duration lasts (5xx, timeouts, connection errors).</summary>
    Retryable,

    /// <summary>Trying again cannot help (HTTP 413, a COPY that rejects the data); the records go to the backup bucket now.</summary>
    Permanent,
}

/// <summary>The outcome of one attempt, with a Firehose-style error code and a message for a person when it failed.</summary>
public readonly record struct AttemptOutcome(AttemptStatus Status, string ErrorCode, string ErrorMessage)
{
    public static AttemptOutcome Success { get; } = new(AttemptStatus.Succeeded, "", "");

    public bool Succeeded => Status == AttemptStatus.Succeeded;

    public static AttemptOutcome Retryable(string errorCode, string errorMessage) => new(AttemptStatus.Retryable, errorCode, errorMessage);

    public static AttemptOutcome Permanent(string errorCode, string errorMessage) => new(AttemptStatus.Permanent, errorCode, errorMessage);
}

/// <summary>What <see cref="RetryDurationPolicy.ExecuteAsync{TState}"/> ended with, and after how many attempts.</summary>
public readonly record struct RetriedOutcome(AttemptOutcome Outcome, int AttemptsMade);
