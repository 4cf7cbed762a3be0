namespace Delivery.Destinations.Checks;

/// <summary>What one attempt of a start-up check found.</summary>
public enum CheckStatus
{
    /// <summary>The destination can be used.</summary>
    Passed,

    /// <summary>Not now (a timeout, a 5xx, a refused connection): it may come up, so the check is tried again for a while.</summary>
    Transient,

    /// <summary>Not without a change of configuration or permissions (a missing bucket, refused credentials, an unknown host).</summary>
    Permanent,
}

/// <summary>The outcome of one attempt and, unless it passed, why not, in words an operator can act on.</summary>
public readonly record struct CheckOutcome(CheckStatus Status, string Reason)
{
    public static CheckOutcome Ok { get; } = new(CheckStatus.Passed, "");

    public static CheckOutcome Transient(string reason) => new(CheckStatus.Transient, reason);

    public static CheckOutcome Permanent(string reason) => new(CheckStatus.Permanent, reason);
}
