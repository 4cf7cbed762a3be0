namespace Delivery.Destinations.Checks;

/// <summary>A destination a pipeline cannot use: the setting to change and why.</summary>
public sealed record DestinationCheckFailure(string Pipeline, string Setting, string Reason)
{
    /// <summary>
    /// What the worker prints before it exits: one line per failing pipeline, each naming the pipeline, the setting and
    /// the reason, and a single line when there is one.
    /// </summary>
    public static string Describe(IReadOnlyList<DestinationCheckFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        return failures.Count == 1
            ? failures[0].ToString()
            : $"{failures.Count} pipelines cannot use their destinations:" + string.Concat(failures.Select(failure => "\n  " + failure));
    }

    /// <summary>"pipeline clicks: Delivery:Pipelines:clicks:S3:BucketName: ..."</summary>
    public override string ToString() => $"pipeline {Pipeline}: {Setting}: {Reason}";
}
