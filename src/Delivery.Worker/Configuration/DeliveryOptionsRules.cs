using System.Text.RegularExpressions;
using Delivery.Destinations.Backup;
using Delivery.Destinations.S3;
using Delivery.Kinesis;
using Delivery.Transforms.Processing;
using Delivery.Worker.Redrive;
using Microsoft.Extensions.Options;

namespace Delivery.Worker.Configuration;

/// <summary>Rules that span several settings, which DataAnnotations on one property cannot express.</summary>
public static partial class DeliveryOptionsRules
{
    // A GetRecords page is at most 10 MiB; the budget must hold a full buffer plus one page, or a shard could only ever
    // cut under memory pressure.
    private const int MaxPageMiB = 10;

    // Firehose's minimum buffer size when it converts to Parquet.
    private const int MinParquetBufferMiB = 64;

    internal static void Validate(DeliveryOptions options, List<ConfigurationValidationError> errors)
    {
        const string pipelinesPath = "Delivery:Pipelines";
        if (options.Pipelines.Count == 0)
        {
            errors.Add(new(pipelinesPath, "no pipeline is configured: add one, e.g. Delivery:Pipelines:clickstream with Kinesis and S3 settings."));
        }

        foreach ((string service, Uri? url) in new[] { ("Kinesis", options.Aws.ServiceUrls.Kinesis), ("DynamoDb", options.Aws.ServiceUrls.DynamoDb), ("S3", options.Aws.ServiceUrls.S3), ("Lambda", options.Aws.ServiceUrls.Lambda) })
        {
            if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            {
                errors.Add(new($"Delivery:Aws:ServiceUrls:{service}", $"value '{url.OriginalString}' is invalid: it must be an absolute http:// or https:// URL, such as http://localhost:4566."));
            }
        }

        var tables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, PipelineOptions pipeline) in options.Pipelines)
        {
            string path = $"{pipelinesPath}:{name}";
            if (!PipelineName().IsMatch(name))
            {
                errors.Add(new(path, $"pipeline name '{name}' is invalid: use 1-64 letters, digits, '_', '.' or '-' (it appears in object names)."));
            }

            ValidateDestination(path, name, pipeline, errors);
            HttpHeaderRules.Validate(path, pipeline, errors);

            if (pipeline.Backup is not null)
            {
                AddDestinationRules($"{path}:Backup", new BackupOptionsValidator().Validate(name, pipeline.Backup), errors);
                if (pipeline.Backup.ErrorOutputPrefix?.StartsWith(RedriveIds.Root, StringComparison.Ordinal) == true)
                {
                    errors.Add(new($"{path}:Backup:ErrorOutputPrefix",
                        $"starts with '{RedriveIds.Root}', the folder where redrive keeps its markers and the records that failed again (docs/redrive.md): choose another prefix."));
                }
            }

            // Without a destination the error above says all; otherwise every destination needs somewhere for failures.
            bool hasDestination = DestinationCount(pipeline) > 0;
            if (hasDestination && string.IsNullOrEmpty(pipeline.EffectiveBackup().BucketName))
            {
                errors.Add(new($"{path}:Backup:BucketName", "is required: failed records need a backup bucket (it defaults to the S3 destination's bucket only for S3 destinations)."));
            }

            AddProcessingRules(path, pipeline, options.Aws.Region, errors);

            if (pipeline.S3 is { ConvertsFormat: true } && pipeline.Buffering.SizeInMBs < MinParquetBufferMiB)
            {
                errors.Add(new($"{path}:Buffering:SizeInMBs",
                    $"value '{pipeline.Buffering.SizeInMBs}' is too small with S3:DataFormatConversion: Parquet needs at least {MinParquetBufferMiB} MiB buffers, as in Firehose (128 is Firehose's default), or files come out small and slow to query."));
            }

            if (pipeline.Kinesis.InitialPosition == InitialPosition.AtTimestamp && pipeline.Kinesis.InitialTimestamp is null)
            {
                errors.Add(new($"{path}:Kinesis:InitialTimestamp", "is required when InitialPosition is AtTimestamp (an ISO 8601 time such as 2026-01-31T00:00:00Z)."));
            }

            string table = LeaseTableName(name, pipeline);
            if (tables.TryGetValue(table, out string? other))
            {
                errors.Add(new($"{path}:Kinesis:Leases:TableName", $"lease table '{table}' is also used by pipeline '{other}': each pipeline keeps its own checkpoints, so each needs its own table."));
            }
            else
            {
                tables[table] = name;
            }

            string plans = PlanTableName(name, pipeline);
            if (tables.TryGetValue(plans, out string? sharing))
            {
                string user = sharing == name ? "this pipeline's lease table" : $"a table of pipeline '{sharing}'";
                errors.Add(new($"{path}:Kinesis:Leases:PlanTableName", $"table '{plans}' is also {user}: each pipeline needs a plan table of its own, apart from every lease table."));
            }
            else
            {
                tables[plans] = name;
            }

            if (options.MemoryBudgetMiB < pipeline.Buffering.SizeInMBs + MaxPageMiB)
            {
                errors.Add(new("Delivery:MemoryBudgetMiB",
                    $"value '{options.MemoryBudgetMiB}' is too small for pipeline '{name}': it must hold a full buffer ({pipeline.Buffering.SizeInMBs} MiB) plus one GetRecords page ({MaxPageMiB} MiB)."));
            }
        }
    }

    private static void AddProcessingRules(string path, PipelineOptions pipeline, string region, List<ConfigurationValidationError> errors)
    {
        if (pipeline.DynamicPartitioning?.Enabled == true && pipeline.S3 is null)
        {
            errors.Add(new($"{path}:DynamicPartitioning:Enabled", "dynamic partitioning needs an S3 destination."));
        }

        (IReadOnlyList<string> queryKeys, IReadOnlyList<string> lambdaKeys) = S3ObjectKeyBuilder.PartitionKeysIn(pipeline.S3?.Prefix ?? "");
        foreach ((string key, string problem) in ProcessingRules.Validate(pipeline.Processing, pipeline.DynamicPartitioning, "S3:Prefix", queryKeys, lambdaKeys, region))
        {
            errors.Add(new($"{path}:{key}", problem));
        }
    }

    /// <summary>
    /// Adds a destination validator's findings under the destination's key path, except where the annotation pass has
    /// already reported the same setting.
    /// </summary>
    internal static void AddDestinationRules(string path, ValidateOptionsResult result, List<ConfigurationValidationError> errors)
    {
        if (!result.Failed)
        {
            return;
        }

        foreach (string failure in result.Failures ?? [])
        {
            Match property = PropertyFailure().Match(failure);
            string keyPath = property.Success ? $"{path}:{property.Groups[1].Value}" : path;
            if (!errors.Any(error => error.KeyPath.Equals(keyPath, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add(new(keyPath, property.Success ? property.Groups[2].Value : failure));
            }
        }
    }

    [GeneratedRegex(@"^(?:Property )?([\w:]+): (.*)$", RegexOptions.Singleline)]
    private static partial Regex PropertyFailure();

    /// <summary>The configured table name, or the default one for the pipeline.</summary>
    public static string LeaseTableName(string pipelineName, PipelineOptions pipeline) =>
        string.IsNullOrEmpty(pipeline.Kinesis.Leases.TableName) ? $"delivery-{pipelineName}-leases" : pipeline.Kinesis.Leases.TableName;

    /// <summary>The configured plan table name, or the default one for the pipeline (decision 0014).</summary>
    /// <summary>
    /// Null when plans outlive the stream's records; else why not. A plan that expires from the ledger while a lease
    /// still names it reads as never committed, and its range would be written a second time (decision 0014).
    /// </summary>
    public static string? PlanRetentionError(string pipelineName, int planRetentionDays, int streamRetentionHours, string streamName) =>
        planRetentionDays * 24L > streamRetentionHours
            ? null
            : $"Delivery:Pipelines:{pipelineName}:Buffering:PlanRetentionDays is {planRetentionDays} days, but stream '{streamName}' keeps records for {streamRetentionHours} hours: "
                + "a plan must stay in the plan table longer than the records it names. Set it above the stream's retention (in days).";

    public static string PlanTableName(string pipelineName, PipelineOptions pipeline) =>
        string.IsNullOrEmpty(pipeline.Kinesis.Leases.PlanTableName) ? $"delivery-{pipelineName}-plans" : pipeline.Kinesis.Leases.PlanTableName;

    [GeneratedRegex("^[a-zA-Z0-9_.-]{1,64}$")]
    private static partial Regex PipelineName();
}
