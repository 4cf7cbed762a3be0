using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Delivery.Plans;

namespace Delivery.Kinesis.Plans;

/// <summary>
/// A plan ledger item: <c>planId</c> (the hash key), <c>state</c>, <c>ranges</c> (committed and written plans only: a
/// list of maps with stream, shard, first, firstSub, last, lastSub), <c>createdAt</c> and <c>expiresAt</c> (epoch
/// seconds; the table's TTL attribute).
/// </summary>
internal static class PlanItem
{
    public const string PlanId = "planId";
    public const string State = "state";
    public const string Ranges = "ranges";
    public const string CreatedAt = "createdAt";
    public const string ExpiresAt = "expiresAt";

    public const string Committed = "committed";
    public const string Written = "written";
    public const string Aborted = "aborted";

    public static Dictionary<string, AttributeValue> Commit(BatchPlan plan, DateTimeOffset now, TimeSpan retention)
    {
        Dictionary<string, AttributeValue> item = Base(plan.Id, Committed, now, retention);
        item[Ranges] = new AttributeValue
        {
            L = [.. plan.Ranges.Select(range => new AttributeValue
            {
                M = new Dictionary<string, AttributeValue>
                {
                    ["stream"] = S(range.StreamName),
                    ["shard"] = S(range.ShardId),
                    ["first"] = S(range.First.SequenceNumber),
                    ["firstSub"] = N(range.First.SubSequenceNumber),
                    ["last"] = S(range.Last.SequenceNumber),
                    ["lastSub"] = N(range.Last.SubSequenceNumber),
                },
            })],
        };
        return item;
    }

    public static Dictionary<string, AttributeValue> Tombstone(string planId, DateTimeOffset now, TimeSpan retention) =>
        Base(planId, Aborted, now, retention);

    /// <summary>The entry an item holds; <paramref name="item"/> null or empty is an absent plan.</summary>
    public static PlanEntry ToEntry(string planId, Dictionary<string, AttributeValue>? item, string tableName)
    {
        if (item is not { Count: > 0 })
        {
            return new PlanEntry(planId, PlanState.Absent, []);
        }

        string? state = item.TryGetValue(State, out AttributeValue? value) ? value.S : null;
        PlanState parsed = state switch
        {
            Committed => PlanState.Committed,
            Written => PlanState.Written,
            Aborted => PlanState.Aborted,
            _ => throw new InvalidDataException($"Plan '{planId}' in table '{tableName}' has state '{state ?? "(none)"}'; expected {Committed}, {Written} or {Aborted}."),
        };
        if (parsed == PlanState.Aborted)
        {
            return new PlanEntry(planId, parsed, []);
        }

        if (!item.TryGetValue(Ranges, out AttributeValue? ranges) || ranges.L is not { Count: > 0 } list)
        {
            throw new InvalidDataException($"Plan '{planId}' in table '{tableName}' is {state} but holds no ranges.");
        }

        try
        {
            return new PlanEntry(planId, parsed, [.. list.Select(entry => new BatchSource(
                entry.M["stream"].S,
                entry.M["shard"].S,
                new ShardPosition(entry.M["first"].S, long.Parse(entry.M["firstSub"].N, CultureInfo.InvariantCulture)),
                new ShardPosition(entry.M["last"].S, long.Parse(entry.M["lastSub"].N, CultureInfo.InvariantCulture))))]);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or NullReferenceException or FormatException or ArgumentNullException)
        {
            throw new InvalidDataException($"Plan '{planId}' in table '{tableName}' has a malformed range: {ex.Message}", ex);
        }
    }

    public static Dictionary<string, AttributeValue> Key(string planId) => new() { [PlanId] = S(planId) };

    private static Dictionary<string, AttributeValue> Base(string planId, string state, DateTimeOffset now, TimeSpan retention) => new()
    {
        [PlanId] = S(planId),
        [State] = S(state),
        [CreatedAt] = N(now.ToUnixTimeSeconds()),
        [ExpiresAt] = N((now + retention).ToUnixTimeSeconds()),
    };

    public static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
