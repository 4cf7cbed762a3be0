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
    /// <remarks>
    /// Records that carry the same key dictionaries (the metadata-extraction stage gives records of equal values the same
    /// one) are placed by reference, so a partition's keys are read, checked and made into <see cref="PartitionKeys"/>
    /// once per batch, not once per record. Different dictionaries with equal values still meet in one partition.
    /// </remarks>
    public List<PartitionGroup> Group(ProcessingRun run, IReadOnlyList<ChainRecord> records)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(records);
        var partitions = new List<(PartitionKeys Keys, int Count)>();
        var byKeys = new Dictionary<PartitionKeys, int>();
        var bySource = new Dictionary<(object? Query, object? Lambda), Placement>(SameReferences.Instance);
        int[] groupOf = System.Buffers.ArrayPool<int>.Shared.Rent(records.Count);
        try
        {
            int i = -1;
            foreach (IReadOnlyList<ChainRecord> part in ChainRecordLists.Parts(records))
            {
                foreach (ref readonly ChainRecord record in ChainRecordLists.Span(part))
                {
                    i++;
                    groupOf[i] = -1;
                    if (run.IsFailed(record.SourceIndex))
                    {
                        continue;
                    }

                    (object? Query, object? Lambda) source = (record.KeysFromQuery, record.KeysFromTransform);
                    if (!bySource.TryGetValue(source, out Placement placement))
                    {
                        placement = Place(record, partitions, byKeys);
                        if (bySource.Count < MaxRemembered)
                        {
                            bySource[source] = placement;
                        }
                    }

                    if (placement.Rejection is { } rejection)
                    {
                        run.Fail(record.SourceIndex, rejection.ErrorCode, rejection.ErrorMessage, rejection.ErrorOutputType);
                        continue;
                    }

                    groupOf[i] = placement.Group;
                    partitions[placement.Group] = (partitions[placement.Group].Keys, partitions[placement.Group].Count + 1);
                }
            }

            // The partitions' records are placed in one list on a pooled array, partition after partition, and each
            // partition is a range of it: a list per partition (tens of KB each, SOH) lived as long as the batch's
            // write, and every gen0 collection in that time copied them.
            RentedRecords<ChainRecord> placed = run.Rent<ChainRecord>(records.Count);
            int[] next = new int[partitions.Count];
            int placedCount = 0;
            for (int g = 0; g < partitions.Count; g++)
            {
                next[g] = placedCount;
                placedCount += partitions[g].Count;
            }

            Span<ChainRecord> slots = placed.Fill(placedCount);
            i = -1;
            foreach (IReadOnlyList<ChainRecord> part in ChainRecordLists.Parts(records))
            {
                foreach (ref readonly ChainRecord record in ChainRecordLists.Span(part))
                {
                    if (groupOf[++i] >= 0)
                    {
                        slots[next[groupOf[i]]++] = record;
                    }
                }
            }

            var groups = new List<PartitionGroup>(partitions.Count);
            int start = 0;
            foreach ((PartitionKeys keys, int count) in partitions)
            {
                groups.Add(new PartitionGroup(keys, new Contract.RecordRange(placed, start, count)));
                start += count;
            }

            // A split record failed in one partition takes its parts in the others with it.
            if (run.FailedCount > 0)
            {
                groups = [.. groups
                    .Select(group => group with { Records = [.. group.Records.Where(record => !run.IsFailed(record.SourceIndex))] })
                    .Where(group => group.Records.Count > 0)];
            }

            return groups;
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(groupOf);
        }
    }

    // Key dictionaries remembered by reference per batch: records with dictionaries of their own (a transform's keys)
    // would otherwise grow the table by one entry each.
    private const int MaxRemembered = 4096;

    /// <summary>Which partition a record's keys put it in (a new one if they are new), or why it cannot have one.</summary>
    private Placement Place(in ChainRecord record, List<(PartitionKeys Keys, int Count)> partitions, Dictionary<PartitionKeys, int> byKeys)
    {
        PartitionKeys? keys = SafeKeysOf(record, out Rejection? rejection);
        if (keys is null)
        {
            return new Placement(-1, rejection);
        }

        if (byKeys.TryGetValue(keys, out int group))
        {
            return new Placement(group, null);
        }

        if (partitions.Count >= _settings.MaxActivePartitions)
        {
            return new Placement(-1, new Rejection(
                TransformErrorCodes.PartitionCountExceeded,
                $"The batch already has {_settings.MaxActivePartitions} partitions (DynamicPartitioning:MaxActivePartitions); partition {keys} would exceed it.",
                ErrorOutputTypes.PartitionCountExceeded));
        }

        byKeys[keys] = partitions.Count;
        partitions.Add((keys, 0));
        return new Placement(partitions.Count - 1, null);
    }

    private PartitionKeys? SafeKeysOf(in ChainRecord record, out Rejection? rejection)
    {
        try
        {
            return KeysOf(record, out rejection);
        }
#pragma warning disable CA1031 // Keys come from transforms (plugins included): whatever reading them throws fails that record, not the batch.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            rejection = new Rejection(TransformErrorCodes.InvalidPartitionKeyValue,
                $"The record's partition keys could not be read: {ex.GetType().Name}: {ex.Message.TrimEnd('.')}.", ErrorOutputTypes.ProcessingFailed);
            return null;
        }
    }

    private PartitionKeys? KeysOf(in ChainRecord record, out Rejection? rejection)
    {
        Dictionary<string, string>? fromQuery = Pick(_settings.QueryKeys, record.KeysFromQuery, "partitionKeyFromQuery", out rejection);
        if (rejection is not null)
        {
            return null;
        }

        Dictionary<string, string>? fromLambda = Pick(_settings.LambdaKeys, record.KeysFromTransform, "partitionKeyFromLambda", out rejection);
        return rejection is null ? new PartitionKeys(fromQuery, fromLambda) : null;
    }

    private static Dictionary<string, string>? Pick(IReadOnlyList<string> names, IReadOnlyDictionary<string, string>? available, string expression, out Rejection? rejection)
    {
        rejection = null;
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
                rejection = new Rejection(TransformErrorCodes.MissingPartitionKey,
                    $"The S3 prefix uses !{{{expression}:{name}}}, but {source} for this record.", ErrorOutputTypes.ProcessingFailed);
                return null;
            }

            if (PartitionKeyValues.Problem(value) is { } problem)
            {
                rejection = new Rejection(TransformErrorCodes.InvalidPartitionKeyValue,
                    $"The value of partition key '{name}' cannot go into an S3 key: {problem}.", ErrorOutputTypes.ProcessingFailed);
                return null;
            }

            picked[name] = value;
        }

        return picked;
    }

    /// <summary>Why a record gets no partition; every record with the same key dictionaries gets the same answer.</summary>
    private sealed record Rejection(string ErrorCode, string ErrorMessage, string ErrorOutputType);

    /// <summary>The index of a record's partition, or -1 with the rejection.</summary>
    private readonly record struct Placement(int Group, Rejection? Rejection);

    private sealed class SameReferences : IEqualityComparer<(object? Query, object? Lambda)>
    {
        public static readonly SameReferences Instance = new();

        public bool Equals((object? Query, object? Lambda) x, (object? Query, object? Lambda) y) =>
            ReferenceEquals(x.Query, y.Query) && ReferenceEquals(x.Lambda, y.Lambda);

        public int GetHashCode((object? Query, object? Lambda) obj) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Query), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Lambda));
    }
}

/// <summary>The records of one partition of a batch, in shard order.</summary>
public sealed record PartitionGroup(PartitionKeys Keys, IReadOnlyList<ChainRecord> Records);
