using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Partitioning;

/// <summary>
/// Groups a batch's processed records by the values of the partition keys the S3 prefix uses: one group, and so one
/// object, per distinct key set. Groups are counted in the order their first record appears and the cap applies per
/// batch, so the same batch always makes the same groups and overflows at the same records, whichever worker delivers it
/// and however often.
/// </summary>
public sealed class DynamicPartitioner
{
    private readonly PartitioningSettings _settings;

    public DynamicPartitioner(PartitioningSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxActivePartitions, 1);
        _settings = settings;
    }

    public PartitioningSettings Settings => _settings;

    /// <summary>
    /// Returns the groups in order of first appearance. A record without a key the prefix needs, with a value that
    /// cannot go into a key, or in a partition beyond the cap, is reported on <paramref name="run"/> instead.
    /// </summary>
    public List<PartitionGroup> Group(ProcessingRun run, IReadOnlyList<ChainRecord> records)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(records);
        var groups = new List<PartitionGroup>();
        var byKeys = new Dictionary<PartitionKeys, PartitionGroup>();
        foreach (ChainRecord record in records)
        {
            if (run.IsFailed(record.SourceIndex))
            {
                continue;
            }

            PartitionKeys? keys = SafeKeysOf(run, record);
            if (keys is null)
            {
                continue;
            }

            if (!byKeys.TryGetValue(keys, out PartitionGroup? group))
            {
                if (groups.Count >= _settings.MaxActivePartitions)
                {
                    run.Fail(record.SourceIndex, TransformErrorCodes.PartitionCountExceeded,
                        $"The batch already has {_settings.MaxActivePartitions} partitions (DynamicPartitioning:MaxActivePartitions); partition {keys} would exceed it.",
                        ErrorOutputTypes.PartitionCountExceeded);
                    continue;
                }

                group = new PartitionGroup(keys, []);
                byKeys[keys] = group;
                groups.Add(group);
            }

            group.Records.Add(record);
        }

        // A split record failed in one partition takes its parts in the others with it.
        if (run.FailedCount > 0)
        {
            foreach (PartitionGroup group in groups)
            {
                group.Records.RemoveAll(record => run.IsFailed(record.SourceIndex));
            }

            groups.RemoveAll(group => group.Records.Count == 0);
        }

        return groups;
    }

    private PartitionKeys? SafeKeysOf(ProcessingRun run, in ChainRecord record)
    {
        try
        {
            return KeysOf(run, record);
        }
#pragma warning disable CA1031 // Keys come from transforms (plugins included): whatever reading them throws fails that record, not the batch.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            run.Fail(record.SourceIndex, TransformErrorCodes.InvalidPartitionKeyValue,
                $"The record's partition keys could not be read: {ex.GetType().Name}: {ex.Message.TrimEnd('.')}.", ErrorOutputTypes.ProcessingFailed);
            return null;
        }
    }

    private PartitionKeys? KeysOf(ProcessingRun run, in ChainRecord record)
    {
        Dictionary<string, string>? fromQuery = Pick(run, record, _settings.QueryKeys, record.KeysFromQuery, "partitionKeyFromQuery");
        if (fromQuery is null && _settings.QueryKeys.Count > 0)
        {
            return null;
        }

        Dictionary<string, string>? fromLambda = Pick(run, record, _settings.LambdaKeys, record.KeysFromTransform, "partitionKeyFromLambda");
        if (fromLambda is null && _settings.LambdaKeys.Count > 0)
        {
            return null;
        }

        return new PartitionKeys(fromQuery, fromLambda);
    }

    private static Dictionary<string, string>? Pick(ProcessingRun run, in ChainRecord record, IReadOnlyList<string> names, IReadOnlyDictionary<string, string>? available, string expression)
    {
        if (names.Count == 0)
        {
            return null;
        }

        var picked = new Dictionary<string, string>(names.Count, StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (available is null || !available.TryGetValue(name, out string? value))
            {
                string source = expression == "partitionKeyFromLambda" ? "no transform set it" : "the metadata extraction query did not set it";
                run.Fail(record.SourceIndex, TransformErrorCodes.MissingPartitionKey,
                    $"The S3 prefix uses !{{{expression}:{name}}}, but {source} for this record.", ErrorOutputTypes.ProcessingFailed);
                return null;
            }

            if (PartitionKeyValues.Problem(value) is { } problem)
            {
                run.Fail(record.SourceIndex, TransformErrorCodes.InvalidPartitionKeyValue,
                    $"The value of partition key '{name}' cannot go into an S3 key: {problem}.", ErrorOutputTypes.ProcessingFailed);
                return null;
            }

            picked[name] = value;
        }

        return picked;
    }
}

/// <summary>The records of one partition of a batch, in shard order.</summary>
public sealed record PartitionGroup(PartitionKeys Keys, List<ChainRecord> Records);
