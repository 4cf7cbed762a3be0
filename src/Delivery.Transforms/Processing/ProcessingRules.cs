using Delivery.Transforms.Query;

namespace Delivery.Transforms.Processing;

/// <summary>
/// The rules that tie processing, dynamic partitioning and the S3 prefix together, checked at start. Each problem comes
/// with the key (relative to the pipeline) it is about.
/// </summary>
public static class ProcessingRules
{
    /// <summary>Returns every problem as (key relative to the pipeline, message).</summary>
    /// <param name="processing">The pipeline's processing; null when not configured.</param>
    /// <param name="partitioning">The pipeline's dynamic partitioning; null when not configured.</param>
    /// <param name="prefixKey">The key of the prefix that may use partition keys, such as <c>S3:Prefix</c>.</param>
    /// <param name="queryKeysInPrefix">The <c>partitionKeyFromQuery</c> names the prefix uses.</param>
    /// <param name="lambdaKeysInPrefix">The <c>partitionKeyFromLambda</c> names the prefix uses.</param>
    /// <param name="region">The worker's region; Lambda functions are invoked there.</param>
    public static IEnumerable<(string Key, string Problem)> Validate(
        ProcessingOptions? processing,
        DynamicPartitioningOptions? partitioning,
        string prefixKey,
        IReadOnlyList<string> queryKeysInPrefix,
        IReadOnlyList<string> lambdaKeysInPrefix,
        string region)
    {
        ArgumentNullException.ThrowIfNull(queryKeysInPrefix);
        ArgumentNullException.ThrowIfNull(lambdaKeysInPrefix);
        bool partitioned = partitioning?.Enabled == true;
        IReadOnlyList<ProcessorOptions> processors = processing is { Enabled: true } ? processing.Processors : [];
        int keysUsed = queryKeysInPrefix.Count + lambdaKeysInPrefix.Count;
        if (partitioned && keysUsed == 0)
        {
            yield return (prefixKey, "dynamic partitioning is enabled, so the prefix must use at least one !{partitionKeyFromQuery:name} or !{partitionKeyFromLambda:name}.");
        }

        if (!partitioned && keysUsed > 0)
        {
            // Without partitioning no batch carries keys; the key rules below would only repeat this.
            string first = queryKeysInPrefix.Count > 0 ? $"partitionKeyFromQuery:{queryKeysInPrefix[0]}" : $"partitionKeyFromLambda:{lambdaKeysInPrefix[0]}";
            yield return (prefixKey, $"uses !{{{first}}}; partition keys need DynamicPartitioning:Enabled = true.");
            queryKeysInPrefix = [];
            lambdaKeysInPrefix = [];
        }

        var queryKeys = new HashSet<string>(StringComparer.Ordinal);
        bool hasTransform = false;
        bool queriesReadable = true;
        for (int i = 0; i < processors.Count; i++)
        {
            ProcessorOptions processor = processors[i];
            string path = $"Processing:Processors:{i}";
            switch (processor.Type)
            {
                case ProcessorType.MetadataExtraction when processor.MetadataExtractionQuery is { } text && JqQuery.TryParse(text, out JqQuery? query, out _):
                    queryKeys.UnionWith(query!.KeyNames);
                    if (!partitioned)
                    {
                        yield return ($"{path}:Type", "MetadataExtraction finds partition keys, which need DynamicPartitioning:Enabled = true.");
                    }

                    break;
                case ProcessorType.MetadataExtraction:
                    // The processor's own validation reports the query; which keys it defines is unknown.
                    queriesReadable = false;
                    break;
                case ProcessorType.Lambda or ProcessorType.Http or ProcessorType.Plugin:
                    hasTransform = true;
                    break;
            }

            if (processor is { Type: ProcessorType.Lambda, LambdaArn: { } arn } && arn.StartsWith("arn:", StringComparison.Ordinal)
                && arn.Split(':') is { Length: > 3 } parts && parts[3] != region)
            {
                yield return ($"{path}:LambdaArn", $"the function is in {parts[3]}, but Delivery invokes functions in its own region, {region} (Delivery:Aws:Region).");
            }
        }

        foreach (string key in queryKeysInPrefix.Where(key => queriesReadable && !queryKeys.Contains(key)))
        {
            yield return (prefixKey, $"uses !{{partitionKeyFromQuery:{key}}}, but no MetadataExtraction processor's query defines '{key}'.");
        }

        if (lambdaKeysInPrefix.Count > 0 && !hasTransform)
        {
            yield return (prefixKey, $"uses !{{partitionKeyFromLambda:{lambdaKeysInPrefix[0]}}}, but no Lambda, Http or Plugin processor is configured to set it.");
        }
    }

    /// <summary>The account id for ARNs: configured, else the first Lambda ARN's, else <see cref="TransformEnvironment.UnknownAccountId"/>.</summary>
    public static string AccountId(ProcessingOptions? processing)
    {
        if (processing?.AccountId is { } configured)
        {
            return configured;
        }

        foreach (ProcessorOptions processor in processing?.Processors ?? [])
        {
            if (processor.LambdaArn is { } arn && arn.StartsWith("arn:", StringComparison.Ordinal) && arn.Split(':') is { Length: > 4 } parts)
            {
                return parts[4];
            }
        }

        return TransformEnvironment.UnknownAccountId;
    }
}
