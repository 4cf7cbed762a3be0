using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Delivery.Plans;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Plans;

/// <summary>
/// The plan ledger of decision 0014 in DynamoDB, one item per plan, beside the lease table. Commit and abort are puts
/// conditional on the item not existing, so exactly one of them wins; the loser reads the winner back. The AWS SDK
/// retries its own calls, so nothing here retries again.
/// </summary>
public sealed class DynamoDbPlanLedger : IPlanLedger
{
    // A put that lost to an item which was then gone again (only TTL deletes items) is tried again this often.
    private const int MaxPutAttempts = 3;

    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly string _tableName;
    private readonly bool _createTableIfMissing;
    private readonly TimeSpan _retention;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DynamoDbPlanLedger> _logger;

    public DynamoDbPlanLedger(IAmazonDynamoDB dynamoDb, string tableName, bool createTableIfMissing, TimeSpan retention, TimeProvider timeProvider, ILogger<DynamoDbPlanLedger> logger)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        _dynamoDb = dynamoDb;
        _tableName = tableName;
        _createTableIfMissing = createTableIfMissing;
        _retention = retention;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The table this ledger uses.</summary>
    public string TableName => _tableName;

    /// <summary>
    /// Creates the table when it is missing and that is allowed (on-demand billing, TTL on <c>expiresAt</c>), and waits
    /// until it is active.
    /// </summary>
    public async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        string? status = await DescribeStatusAsync(cancellationToken).ConfigureAwait(false);
        bool created = false;
        if (status is null)
        {
            if (!_createTableIfMissing)
            {
                throw new DeliveryException(FailureKind.Permanent, "Plans.TableNotFound",
                    $"The plan table '{_tableName}' does not exist and creating it is turned off (CreateTableIfMissing = false). Create it with hash key '{PlanItem.PlanId}' (S) and TTL on '{PlanItem.ExpiresAt}', or allow Delivery to create it.");
            }

            try
            {
                await _dynamoDb.CreateTableAsync(new CreateTableRequest
                {
                    TableName = _tableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    KeySchema = [new KeySchemaElement(PlanItem.PlanId, KeyType.HASH)],
                    AttributeDefinitions = [new AttributeDefinition(PlanItem.PlanId, ScalarAttributeType.S)],
                }, cancellationToken).ConfigureAwait(false);
                created = true;
                Log.PlanTableCreated(_logger, _tableName);
            }
            catch (ResourceInUseException)
            {
                // Another worker created it first (and sets its TTL); waiting for ACTIVE below covers both cases.
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

        if (created)
        {
            await EnableExpiryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<PlanEntry> CommitAsync(BatchPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        PlanEntry found = await PutUnlessExistsAsync(plan.Id, PlanItem.Commit(plan, _timeProvider.GetUtcNow(), _retention), cancellationToken).ConfigureAwait(false);
        if (found.State is PlanState.Committed or PlanState.Written && !found.Ranges.SequenceEqual(plan.Ranges))
        {
            // A plan's id is a hash of its ranges, so another plan under the same id means a hash collision or an item
            // written by something else: either way, writing this plan's object under that id could lose records.
            throw new DeliveryException(FailureKind.Permanent, "Plans.IdCollision",
                $"Plan '{plan.Id}' in table '{_tableName}' holds ranges [{Describe(found.Ranges)}], not this plan's [{Describe(plan.Ranges)}]. Plan ids are hashes of their ranges, so this cannot happen unless ids collide or something else wrote the item.");
        }

        if (found.State == PlanState.Aborted)
        {
            Log.PlanCommitLost(_logger, plan.Id);
        }

        return found;
    }

    public async Task<PlanEntry> AbortAsync(string planId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(planId);
        PlanEntry found = await PutUnlessExistsAsync(planId, PlanItem.Tombstone(planId, _timeProvider.GetUtcNow(), _retention), cancellationToken).ConfigureAwait(false);
        if (found.State != PlanState.Aborted)
        {
            Log.PlanAbortLost(_logger, planId, found.State);
        }

        return found;
    }

    public async Task<PlanEntry> GetAsync(string planId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(planId);
        GetItemResponse response = await CallAsync(() => _dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = _tableName,
            Key = PlanItem.Key(planId),
            ConsistentRead = true,
        }, cancellationToken)).ConfigureAwait(false);
        return PlanItem.ToEntry(planId, response.Item, _tableName);
    }

    public async Task MarkWrittenAsync(string planId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(planId);
        try
        {
            await CallAsync(() => _dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _tableName,
                Key = PlanItem.Key(planId),
                UpdateExpression = "SET #state = :written",
                ConditionExpression = "attribute_exists(#id) AND #state IN (:committed, :written)",
                ExpressionAttributeNames = new() { ["#id"] = PlanItem.PlanId, ["#state"] = PlanItem.State },
                ExpressionAttributeValues = new() { [":written"] = PlanItem.S(PlanItem.Written), [":committed"] = PlanItem.S(PlanItem.Committed) },
            }, cancellationToken)).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException ex)
        {
            PlanEntry found = await GetAsync(planId, cancellationToken).ConfigureAwait(false);
            throw new DeliveryException(FailureKind.Permanent, "Plans.NotCommitted",
                $"Plan '{planId}' in table '{_tableName}' cannot be marked written: it is {found.State}, not committed.", ex);
        }
    }

    private async Task<PlanEntry> PutUnlessExistsAsync(string planId, Dictionary<string, AttributeValue> item, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await CallAsync(() => _dynamoDb.PutItemAsync(new PutItemRequest
                {
                    TableName = _tableName,
                    Item = item,
                    ConditionExpression = "attribute_not_exists(#id)",
                    ExpressionAttributeNames = new() { ["#id"] = PlanItem.PlanId },
                }, cancellationToken)).ConfigureAwait(false);
                return PlanItem.ToEntry(planId, item, _tableName);
            }
            catch (ConditionalCheckFailedException)
            {
                // Someone else's commit or tombstone won (or ours did, and its answer was lost before a retry).
                PlanEntry found = await GetAsync(planId, cancellationToken).ConfigureAwait(false);
                if (found.State != PlanState.Absent || attempt == MaxPutAttempts)
                {
                    return found.State != PlanState.Absent ? found : throw new DeliveryException(FailureKind.Retryable, "Plans.ItemVanished",
                        $"Plan '{planId}' in table '{_tableName}' existed when it was put and was gone when read, {attempt} times in a row.");
                }
            }
        }
    }

    private async Task EnableExpiryAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _dynamoDb.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
            {
                TableName = _tableName,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = PlanItem.ExpiresAt, Enabled = true },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonDynamoDBException ex)
        {
            // The table works without expiry (items only pile up), so this is not a reason to stop the pipeline; an
            // emulator without TTL support (dynalite) answers UnknownOperationException.
            Log.PlanExpiryNotEnabled(_logger, ex, _tableName, ex.ErrorCode);
        }
    }

    /// <summary>A call on the table, with a missing table named as the configuration error it is rather than read as no plan.</summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new DeliveryException(FailureKind.Permanent, "Plans.TableNotFound",
                $"The plan table '{_tableName}' does not exist, but a lease names a worker-scope plan (Buffering:Scope: Worker wrote it). Create the table (hash key '{PlanItem.PlanId}' S), or run with Buffering:Scope: Worker once so Delivery creates it.", ex);
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

    private static string Describe(IReadOnlyList<BatchSource> ranges) =>
        string.Join(", ", ranges.Select(range => $"{range.StreamName}/{range.ShardId} {range.First}..{range.Last}"));
}
