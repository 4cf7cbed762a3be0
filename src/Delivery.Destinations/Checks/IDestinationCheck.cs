namespace Delivery.Destinations.Checks;

/// <summary>
/// One thing a pipeline's destination needs, checked at start before anything is read: a bucket that takes writes, an
/// endpoint host that resolves and accepts a connection, a database that accepts a connection. A check reports what it
/// found; it neither retries nor throws for the destination's failures, only for cancellation.
/// </summary>
public interface IDestinationCheck
{
    /// <summary>The configuration key an operator changes to fix a failure, such as <c>Delivery:Pipelines:clicks:S3:BucketName</c>.</summary>
    string Setting { get; }

    /// <summary>What is checked, for the log: <c>s3://bucket/key</c>, <c>host:port</c>, <c>host:port/database</c>. Never a secret.</summary>
    string Target { get; }

    /// <summary>Makes one attempt.</summary>
    Task<CheckOutcome> RunAsync(CancellationToken cancellationToken);
}
