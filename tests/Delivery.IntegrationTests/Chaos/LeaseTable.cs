using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Delivery.Kinesis.Leases;
using Microsoft.Extensions.Logging.Abstractions;
using static Delivery.Kinesis.Leases.LeaseAttributes;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// The outside view of a lease table: its leases, a dump of every item as stored (each owner and requester marked live
/// or dead), and items written directly, the way a crashed fleet would have left them.
/// </summary>
internal sealed class LeaseTable(IAmazonDynamoDB dynamoDb, string tableName)
{
    private readonly DynamoDbLeaseStore _store = new(dynamoDb, tableName, createTableIfMissing: true, TimeProvider.System, NullLogger<DynamoDbLeaseStore>.Instance);

    public string Name => tableName;

    /// <summary>Every lease, or none while the table does not exist yet.</summary>
    public async Task<IReadOnlyList<Lease>> ListAsync()
    {
        try
        {
            return await _store.ListLeasesAsync(CancellationToken.None);
        }
        catch (ResourceNotFoundException)
        {
            return [];
        }
    }

    /// <summary>Creates the table as a worker would (hash key <c>leaseKey</c>).</summary>
    public Task CreateAsync() => _store.EnsureTableAsync(CancellationToken.None);

    /// <summary>Writes a lease item as it is stored, attribute by attribute, without any condition.</summary>
    public Task PutAsync(string shardId, string? owner, long counter, string? pendingOwner, string checkpoint = LeaseCheckpoint.TrimHorizonValue)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [LeaseKey] = new() { S = shardId },
            [LeaseCounter] = Number(counter),
            [Checkpoint] = new() { S = checkpoint },
            [CheckpointSubSequenceNumber] = Number(0),
            [OwnerSwitchesSinceCheckpoint] = Number(0),
        };
        if (owner is not null)
        {
            item[LeaseOwner] = new() { S = owner };
            item[LeaseTenure] = Number(counter);
        }

        if (pendingOwner is not null)
        {
            item[PendingOwner] = new() { S = pendingOwner };
        }

        return dynamoDb.PutItemAsync(new PutItemRequest { TableName = tableName, Item = item });
    }

    /// <summary>
    /// Every item with all its attributes, one line each, owners and requesters marked by <paramref name="statusOf"/>
    /// (such as "live w03" or "dead").
    /// </summary>
    public async Task<string> DumpAsync(Func<string, string> statusOf)
    {
        ArgumentNullException.ThrowIfNull(statusOf);
        var items = new List<Dictionary<string, AttributeValue>>();
        try
        {
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                ScanResponse page = await dynamoDb.ScanAsync(new ScanRequest { TableName = tableName, ExclusiveStartKey = start, ConsistentRead = true });
                items.AddRange(page.Items ?? []);
                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
        }
        catch (ResourceNotFoundException)
        {
            return $"Lease table {tableName} does not exist.";
        }

        var text = new StringBuilder($"Lease table {tableName} ({items.Count} items):").AppendLine();
        foreach (Dictionary<string, AttributeValue> item in items.OrderBy(item => item[LeaseKey].S, StringComparer.Ordinal))
        {
            text.Append("  ").Append(item[LeaseKey].S).Append(':');
            foreach ((string name, AttributeValue value) in item.Where(pair => pair.Key != LeaseKey).OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                text.Append(' ').Append(name).Append('=').Append(Format(value));
                if (name is LeaseOwner or PendingOwner && value.S is { } worker)
                {
                    text.Append(" (").Append(statusOf(worker)).Append(')');
                }
            }

            text.AppendLine();
        }

        return text.ToString().TrimEnd();
    }

    private static string Format(AttributeValue value) =>
        value switch
        {
            { S: { } s } => s,
            { N: { } n } => n,
            { SS: { Count: > 0 } set } => "{" + string.Join(",", set) + "}",
            { L: { } list } => "[" + string.Join(", ", list.Select(Format)) + "]",
            { M: { } map } => "{" + string.Join(" ", map.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Key + ":" + Format(pair.Value))) + "}",
            _ => "?",
        };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
