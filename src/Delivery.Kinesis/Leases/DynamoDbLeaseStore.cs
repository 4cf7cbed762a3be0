using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using static Delivery.Kinesis.Leases.LeaseAttributes;

namespace Delivery.Kinesis.Leases;

/// <summary>
/// The lease table in DynamoDB, one item per shard. Takes, renewals, checkpoints and releases are conditional updates;
/// the AWS SDK retries its own calls, so nothing here retries again.
/// </summary>
public sealed class DynamoDbLeaseStore : ILeaseStore
{
    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly string _tableName;
    private readonly bool _createTableIfMissing;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DynamoDbLeaseStore> _logger;

    public DynamoDbLeaseStore(IAmazonDynamoDB dynamoDb, string tableName, bool createTableIfMissing, TimeProvider timeProvider, ILogger<DynamoDbLeaseStore> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        _dynamoDb = dynamoDb;
        _tableName = tableName;
        _createTableIfMissing = createTableIfMissing;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The table this store uses.</summary>
    public string TableName => _tableName;

    public async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        string? status = await DescribeStatusAsync(cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            if (!_createTableIfMissing)
            {
                throw new DeliveryException(FailureKind.Permanent, "Leases.TableNotFound",
                    $"The lease table '{_tableName}' does not exist and creating it is turned off (CreateTableIfMissing = false). Create it with hash key '{LeaseKey}' (S), or allow Delivery to create it.");
            }

            try
            {
                await _dynamoDb.CreateTableAsync(new CreateTableRequest
                {
                    TableName = _tableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    KeySchema = [new KeySchemaElement(LeaseKey, KeyType.HASH)],
                    AttributeDefinitions = [new AttributeDefinition(LeaseKey, ScalarAttributeType.S)],
                }, cancellationToken).ConfigureAwait(false);
                Log.LeaseTableCreated(_logger, _tableName);
            }
            catch (ResourceInUseException)
            {
                // Another worker created it first; waiting for ACTIVE below covers both cases.
            }
        }

        for (int attempt = 0; status != "ACTIVE"; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 2000)), _timeProvider, cancellationToken).ConfigureAwait(false);
            }

            status = await DescribeStatusAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken)
    {
        var leases = new List<Lease>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            // Eventually consistent: half the read cost of a consistent scan, and safe, because every take, handoff
            // request and delete decided on this view is conditional on the counter it saw.
            ScanResponse page = await _dynamoDb.ScanAsync(new ScanRequest
            {
                TableName = _tableName,
                ExclusiveStartKey = startKey,
            }, cancellationToken).ConfigureAwait(false);
            foreach (Dictionary<string, AttributeValue> item in page.Items ?? [])
            {
                leases.Add(FromItem(item));
            }

            startKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return leases;
    }

    public async Task<Lease?> GetLeaseAsync(string leaseKey, CancellationToken cancellationToken)
    {
        GetItemResponse response = await _dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = _tableName,
            Key = Key(leaseKey),
            ConsistentRead = true,
        }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? FromItem(item) : null;
    }

    public async Task<bool> CreateLeaseIfNotExistsAsync(Lease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            await _dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = _tableName,
                Item = ToItem(lease),
                ConditionExpression = "attribute_not_exists(#key)",
                ExpressionAttributeNames = new() { ["#key"] = LeaseKey },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<Lease?> TryTakeLeaseAsync(Lease seen, string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var values = new Dictionary<string, AttributeValue>
        {
            [":owner"] = S(owner),
            [":seenCounter"] = N(seen.Counter),
            [":one"] = N(1),

            // The counter this take writes names the tenure; it is unique because the counter only ever grows.
            [":tenure"] = N(seen.Counter + 1),
        };
        string condition = "#counter = :seenCounter AND ";
        if (seen.Owner is null)
        {
            condition += "attribute_not_exists(#owner)";
        }
        else
        {
            condition += "#owner = :seenOwner";
            values[":seenOwner"] = S(seen.Owner);
        }

        bool switchesOwner = seen.Owner != owner;
        string update = "SET #owner = :owner, #counter = #counter + :one, #tenure = :tenure"
            + (switchesOwner ? ", #switches = if_not_exists(#switches, :zero) + :one" : "")
            + " REMOVE #pending";
        var names = new Dictionary<string, string>
        {
            ["#owner"] = LeaseOwner,
            ["#counter"] = LeaseCounter,
            ["#tenure"] = LeaseTenure,
            ["#pending"] = PendingOwner,
        };
        if (switchesOwner)
        {
            names["#switches"] = OwnerSwitchesSinceCheckpoint;
            values[":zero"] = N(0);
        }

        return await ConditionalUpdateAsync(seen.LeaseKey, update, condition, names, values, cancellationToken).ConfigureAwait(false);
    }

    public Task<Lease?> TryRenewLeaseAsync(Lease held, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        return ConditionalUpdateAsync(
            held.LeaseKey,
            "SET #counter = #counter + :one",
            "#owner = :owner AND #counter = :seenCounter",
            new() { ["#owner"] = LeaseOwner, ["#counter"] = LeaseCounter },
            new() { [":owner"] = S(held.Owner!), [":seenCounter"] = N(held.Counter), [":one"] = N(1) },
            cancellationToken);
    }

    public async Task UpdateCheckpointAsync(Lease held, LeaseCheckpoint checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pendingBatches);
        await UpdateInTenureAsync(
            held,
            "checkpoint",
            "SET #checkpoint = :checkpoint, #sub = :sub, #switches = :zero, #pending = :pending",
            new() { ["#checkpoint"] = Checkpoint, ["#sub"] = CheckpointSubSequenceNumber, ["#switches"] = OwnerSwitchesSinceCheckpoint, ["#pending"] = PendingBatches },
            new()
            {
                [":checkpoint"] = S(checkpoint.Value),
                [":sub"] = N(checkpoint.SubSequenceNumber),
                [":zero"] = N(0),
                [":pending"] = PendingToAttribute(pendingBatches),
            },
            cancellationToken).ConfigureAwait(false);
    }

    public Task UpdateStartingSequenceNumberAsync(Lease held, string sequenceNumber, CancellationToken cancellationToken) =>
        UpdateInTenureAsync(
            held,
            "starting sequence number",
            "SET #start = :start",
            new() { ["#start"] = StartingSequenceNumber },
            new() { [":start"] = S(sequenceNumber) },
            cancellationToken);

    public Task UpdateStartingTimestampAsync(Lease held, DateTimeOffset timestamp, CancellationToken cancellationToken) =>
        UpdateInTenureAsync(
            held,
            "starting timestamp",
            "SET #startTime = :startTime",
            new() { ["#startTime"] = StartingTimestamp },
            new() { [":startTime"] = N(timestamp.ToUnixTimeMilliseconds()) },
            cancellationToken);

    public async Task UpdateChildShardsAsync(Lease held, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(childShardIds);
        if (childShardIds.Count == 0)
        {
            return;
        }

        await UpdateInTenureAsync(
            held,
            "child shards",
            "SET #children = :children",
            new() { ["#children"] = ChildShardIds },
            new() { [":children"] = new AttributeValue { SS = [.. childShardIds] } },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ReleaseLeaseAsync(Lease held, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        Lease? released = await ConditionalUpdateAsync(
            held.LeaseKey,
            "REMOVE #owner, #pendingOwner SET #counter = #counter + :one",
            "#owner = :owner AND #tenure = :tenure",
            new() { ["#owner"] = LeaseOwner, ["#counter"] = LeaseCounter, ["#tenure"] = LeaseTenure, ["#pendingOwner"] = PendingOwner },
            new() { [":owner"] = S(held.Owner!), [":tenure"] = N(held.Tenure), [":one"] = N(1) },
            cancellationToken).ConfigureAwait(false);
        return released is not null;
    }

    public async Task<bool> RequestHandoffAsync(Lease seen, string requester, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentException.ThrowIfNullOrEmpty(seen.Owner);
        Lease? requested = await ConditionalUpdateAsync(
            seen.LeaseKey,
            "SET #pendingOwner = :requester",
            "#owner = :owner AND #counter = :seenCounter AND attribute_not_exists(#pendingOwner)",
            new() { ["#owner"] = LeaseOwner, ["#counter"] = LeaseCounter, ["#pendingOwner"] = PendingOwner },
            new() { [":owner"] = S(seen.Owner), [":seenCounter"] = N(seen.Counter), [":requester"] = S(requester) },
            cancellationToken).ConfigureAwait(false);
        return requested is not null;
    }

    public async Task<bool> WithdrawHandoffAsync(string leaseKey, string requester, CancellationToken cancellationToken)
    {
        Lease? withdrawn = await ConditionalUpdateAsync(
            leaseKey,
            "REMOVE #pendingOwner",
            "#pendingOwner = :requester",
            new() { ["#pendingOwner"] = PendingOwner },
            new() { [":requester"] = S(requester) },
            cancellationToken).ConfigureAwait(false);
        return withdrawn is not null;
    }

    public async Task<bool> HandOffLeaseAsync(Lease held, string newOwner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        Lease? handedOff = await ConditionalUpdateAsync(
            held.LeaseKey,
            "SET #owner = :newOwner, #counter = #counter + :one, #switches = if_not_exists(#switches, :zero) + :one REMOVE #pendingOwner",
            "#owner = :owner AND #tenure = :tenure AND #pendingOwner = :newOwner",
            new() { ["#owner"] = LeaseOwner, ["#counter"] = LeaseCounter, ["#tenure"] = LeaseTenure, ["#pendingOwner"] = PendingOwner, ["#switches"] = OwnerSwitchesSinceCheckpoint },
            new() { [":owner"] = S(held.Owner!), [":tenure"] = N(held.Tenure), [":newOwner"] = S(newOwner), [":one"] = N(1), [":zero"] = N(0) },
            cancellationToken).ConfigureAwait(false);
        return handedOff is not null;
    }

    public async Task<bool> DeleteLeaseAsync(Lease seen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seen);
        try
        {
            await _dynamoDb.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _tableName,
                Key = Key(seen.LeaseKey),
                ConditionExpression = "#counter = :seenCounter",
                ExpressionAttributeNames = new() { ["#counter"] = LeaseCounter },
                ExpressionAttributeValues = new() { [":seenCounter"] = N(seen.Counter) },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    internal static Lease FromItem(Dictionary<string, AttributeValue> item)
    {
        string? Text(string name) => item.TryGetValue(name, out AttributeValue? value) ? value.S : null;
        long Number(string name) => item.TryGetValue(name, out AttributeValue? value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;
        IReadOnlyList<string> Set(string name) => item.TryGetValue(name, out AttributeValue? value) && value.SS is { } set ? [.. set] : [];

        return new Lease
        {
            LeaseKey = Text(LeaseKey) ?? throw new InvalidDataException("A lease item has no leaseKey."),
            Owner = Text(LeaseOwner),
            Counter = Number(LeaseCounter),
            Checkpoint = new LeaseCheckpoint(Text(Checkpoint) ?? LeaseCheckpoint.TrimHorizonValue, Number(CheckpointSubSequenceNumber)),
            OwnerSwitchesSinceCheckpoint = Number(OwnerSwitchesSinceCheckpoint),
            ParentShardIds = Set(ParentShardId),
            ChildShardIds = Set(ChildShardIds),
            StartingHashKey = Text(StartingHashKey),
            EndingHashKey = Text(EndingHashKey),
            PendingBatches = item.TryGetValue(PendingBatches, out AttributeValue? pending) ? PendingFromAttribute(pending) : [],
            StartingSequenceNumber = Text(StartingSequenceNumber),
            StartingTimestamp = item.ContainsKey(StartingTimestamp) ? DateTimeOffset.FromUnixTimeMilliseconds(Number(StartingTimestamp)) : null,
            Tenure = Number(LeaseTenure),
            PendingOwner = Text(PendingOwner),
        };
    }

    internal static Dictionary<string, AttributeValue> ToItem(Lease lease)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [LeaseKey] = S(lease.LeaseKey),
            [LeaseCounter] = N(lease.Counter),
            [Checkpoint] = S(lease.Checkpoint.Value),
            [CheckpointSubSequenceNumber] = N(lease.Checkpoint.SubSequenceNumber),
            [OwnerSwitchesSinceCheckpoint] = N(lease.OwnerSwitchesSinceCheckpoint),
            [PendingBatches] = PendingToAttribute(lease.PendingBatches),
        };
        if (lease.Owner is not null)
        {
            item[LeaseOwner] = S(lease.Owner);
        }

        if (lease.ParentShardIds.Count > 0)
        {
            item[ParentShardId] = new AttributeValue { SS = [.. lease.ParentShardIds] };
        }

        if (lease.ChildShardIds.Count > 0)
        {
            item[ChildShardIds] = new AttributeValue { SS = [.. lease.ChildShardIds] };
        }

        if (lease.StartingHashKey is not null)
        {
            item[StartingHashKey] = S(lease.StartingHashKey);
        }

        if (lease.EndingHashKey is not null)
        {
            item[EndingHashKey] = S(lease.EndingHashKey);
        }

        if (lease.StartingSequenceNumber is not null)
        {
            item[StartingSequenceNumber] = S(lease.StartingSequenceNumber);
        }

        if (lease.StartingTimestamp is { } startingTimestamp)
        {
            item[StartingTimestamp] = N(startingTimestamp.ToUnixTimeMilliseconds());
        }

        if (lease.Tenure != 0)
        {
            item[LeaseTenure] = N(lease.Tenure);
        }

        if (lease.PendingOwner is not null)
        {
            item[PendingOwner] = S(lease.PendingOwner);
        }

        return item;
    }

    /// <summary>
    /// The planned batches as a list of maps: first/firstSub/last/lastSub, and for a piece of a worker-scope plan its
    /// <c>plan</c> id and, once the plan is written, <c>done</c> (decision 0014). Both are left out when unset, so leases
    /// written without plans look as they always did.
    /// </summary>
    internal static AttributeValue PendingToAttribute(IReadOnlyList<PlannedBatch> pending) =>
        new()
        {
            L = [.. pending.Select(batch =>
            {
                var entry = new Dictionary<string, AttributeValue>
                {
                    ["first"] = S(batch.First.SequenceNumber),
                    ["firstSub"] = N(batch.First.SubSequenceNumber),
                    ["last"] = S(batch.Last.SequenceNumber),
                    ["lastSub"] = N(batch.Last.SubSequenceNumber),
                };
                if (batch.PlanId is not null)
                {
                    entry["plan"] = S(batch.PlanId);
                }

                if (batch.Done)
                {
                    entry["done"] = new AttributeValue { BOOL = true };
                }

                return new AttributeValue { M = entry };
            })],
        };

    internal static List<PlannedBatch> PendingFromAttribute(AttributeValue value) =>
        [.. (value.L ?? []).Where(entry => entry.M is not null).Select(entry => new PlannedBatch(
            new ShardPosition(entry.M["first"].S, long.Parse(entry.M["firstSub"].N, CultureInfo.InvariantCulture)),
            new ShardPosition(entry.M["last"].S, long.Parse(entry.M["lastSub"].N, CultureInfo.InvariantCulture)),
            entry.M.TryGetValue("plan", out AttributeValue? plan) ? plan.S : null,
            entry.M.TryGetValue("done", out AttributeValue? done) && done.BOOL == true))];

    /// <summary>An update made only while <paramref name="held"/>'s tenure lasts; otherwise <see cref="LeaseLostException"/>.</summary>
    private async Task UpdateInTenureAsync(
        Lease held,
        string what,
        string update,
        Dictionary<string, string> names,
        Dictionary<string, AttributeValue> values,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentException.ThrowIfNullOrEmpty(held.Owner);
        names["#owner"] = LeaseOwner;
        names["#tenure"] = LeaseTenure;
        values[":owner"] = S(held.Owner);
        values[":tenure"] = N(held.Tenure);
        if (await ConditionalUpdateAsync(held.LeaseKey, update, "#owner = :owner AND #tenure = :tenure", names, values, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new LeaseLostException($"Lease '{held.LeaseKey}' in table '{_tableName}' is no longer held by '{held.Owner}' (tenure {held.Tenure}); its {what} was not written.");
        }
    }

    private async Task<Lease?> ConditionalUpdateAsync(
        string leaseKey,
        string update,
        string condition,
        Dictionary<string, string> names,
        Dictionary<string, AttributeValue> values,
        CancellationToken cancellationToken)
    {
        try
        {
            UpdateItemResponse response = await _dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _tableName,
                Key = Key(leaseKey),
                UpdateExpression = update,
                ConditionExpression = condition,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ReturnValues = ReturnValue.ALL_NEW,
            }, cancellationToken).ConfigureAwait(false);
            return FromItem(response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    private async Task<string?> DescribeStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            DescribeTableResponse table = await _dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = _tableName }, cancellationToken).ConfigureAwait(false);
            return table.Table.TableStatus?.Value;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private static Dictionary<string, AttributeValue> Key(string leaseKey) => new() { [LeaseKey] = S(leaseKey) };

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
