using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Delivery.Kinesis.Plans;
using Delivery.Plans;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Kinesis.Plans;

[Collection(LocalAwsCollection.Name)]
public sealed class DynamoDbPlanLedgerTests(LocalAwsStack stack) : IDisposable
{
    private static readonly BatchPlan Plan = new(
    [
        new BatchSource("clicks", "shardId-000000000001", new ShardPosition("49600000000000000000000000000000000000000000000000000011", 0), new ShardPosition("49600000000000000000000000000000000000000000000000000020", 3)),
        new BatchSource("clicks", "shardId-000000000002", new ShardPosition("49600000000000000000000000000000000000000000000000000012", 1), new ShardPosition("49600000000000000000000000000000000000000000000000000030", 0)),
    ]);

    private readonly AmazonDynamoDBClient _dynamoDb = stack.CreateDynamoDbClient();

    [Fact]
    public async Task CommitAndAbortRacing_OneWins_AndBothCallersSeeTheWinner()
    {
        DynamoDbPlanLedger ledger = await NewLedgerAsync();
        var outcomes = new HashSet<PlanState>();
        for (int round = 0; round < 10; round++)
        {
            var plan = new BatchPlan([.. Plan.Ranges.Select(range => range with { StreamName = $"race-{round}" })]);

            PlanEntry[] seen = await Task.WhenAll(
                Task.Run(() => ledger.CommitAsync(plan, CancellationToken.None)),
                Task.Run(() => ledger.AbortAsync(plan.Id, CancellationToken.None)));

            seen[0].State.ShouldBeOneOf(PlanState.Committed, PlanState.Aborted);
            seen[1].State.ShouldBe(seen[0].State, $"round {round}: both callers see the winner");
            seen[1].Ranges.ShouldBe(seen[0].Ranges);
            PlanEntry stored = await ledger.GetAsync(plan.Id, CancellationToken.None);
            stored.State.ShouldBe(seen[0].State);
            stored.Ranges.ShouldBe(seen[0].State == PlanState.Committed ? plan.Ranges : []);
            outcomes.Add(stored.State);
        }

        outcomes.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task ACommitPutAgain_FindsItsOwnCommit_AndATombstoneNeverReplacesIt()
    {
        DynamoDbPlanLedger ledger = await NewLedgerAsync();

        PlanEntry first = await ledger.CommitAsync(Plan, CancellationToken.None);
        PlanEntry again = await ledger.CommitAsync(Plan, CancellationToken.None);

        first.State.ShouldBe(PlanState.Committed);
        again.State.ShouldBe(PlanState.Committed);
        again.Ranges.ShouldBe(Plan.Ranges);
        PlanEntry abort = await ledger.AbortAsync(Plan.Id, CancellationToken.None);
        abort.State.ShouldBe(PlanState.Committed);
        abort.Ranges.ShouldBe(Plan.Ranges);
        (await ledger.GetAsync(Plan.Id, CancellationToken.None)).State.ShouldBe(PlanState.Committed);
    }

    [Fact]
    public async Task AnAbortedPlan_CanNeverBeCommitted()
    {
        DynamoDbPlanLedger ledger = await NewLedgerAsync();

        (await ledger.AbortAsync(Plan.Id, CancellationToken.None)).State.ShouldBe(PlanState.Aborted);
        PlanEntry commit = await ledger.CommitAsync(Plan, CancellationToken.None);

        commit.State.ShouldBe(PlanState.Aborted);
        commit.Ranges.ShouldBeEmpty();
        (await Should.ThrowAsync<DeliveryException>(() => ledger.MarkWrittenAsync(Plan.Id, CancellationToken.None))).Message.ShouldContain("it is Aborted");
    }

    [Fact]
    public async Task MarkingWritten_KeepsTheRanges_IsIdempotent_AndNeedsACommit()
    {
        DynamoDbPlanLedger ledger = await NewLedgerAsync();
        DeliveryException absent = await Should.ThrowAsync<DeliveryException>(() => ledger.MarkWrittenAsync(Plan.Id, CancellationToken.None));
        absent.ErrorCode.ShouldBe("Plans.NotCommitted");
        (await ledger.GetAsync(Plan.Id, CancellationToken.None)).State.ShouldBe(PlanState.Absent, "a failed mark creates no item");

        await ledger.CommitAsync(Plan, CancellationToken.None);
        await ledger.MarkWrittenAsync(Plan.Id, CancellationToken.None);
        await ledger.MarkWrittenAsync(Plan.Id, CancellationToken.None);

        PlanEntry written = await ledger.GetAsync(Plan.Id, CancellationToken.None);
        written.State.ShouldBe(PlanState.Written);
        written.Ranges.ShouldBe(Plan.Ranges);
        (await ledger.CommitAsync(Plan, CancellationToken.None)).State.ShouldBe(PlanState.Written, "a lost commit answer retried after the write");
        (await ledger.AbortAsync(Plan.Id, CancellationToken.None)).State.ShouldBe(PlanState.Written);
    }

    [Fact]
    public async Task TheItem_HasTheDocumentedAttributes_AndExpiresAfterTheRetention()
    {
        DynamoDbPlanLedger ledger = await NewLedgerAsync();
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        await ledger.CommitAsync(Plan, CancellationToken.None);

        GetItemResponse raw = await _dynamoDb.GetItemAsync(ledger.TableName, new() { ["planId"] = new() { S = Plan.Id } }, consistentRead: true);
        raw.Item.Keys.ShouldBe(["planId", "state", "ranges", "createdAt", "expiresAt"], ignoreOrder: true);
        raw.Item["state"].S.ShouldBe("committed");
        raw.Item["ranges"].L.Select(range => range.M["shard"].S).ShouldBe(["shardId-000000000001", "shardId-000000000002"]);
        long expires = long.Parse(raw.Item["expiresAt"].N, System.Globalization.CultureInfo.InvariantCulture);
        expires.ShouldBeInRange(before + (8 * 86400), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + (8 * 86400));
    }

    [Fact]
    public async Task APlanIdHoldingOtherRanges_IsAnError_NotAnotherPlansCommit()
    {
        DynamoDbPlanLedger ledger = await NewLedgerAsync();
        BatchSource other = Plan.Ranges[0];
        await _dynamoDb.PutItemAsync(ledger.TableName, new Dictionary<string, AttributeValue>
        {
            ["planId"] = new() { S = Plan.Id },
            ["state"] = new() { S = "committed" },
            ["ranges"] = new()
            {
                L =
                [
                    new() { M = new() { ["stream"] = new() { S = other.StreamName }, ["shard"] = new() { S = other.ShardId }, ["first"] = new() { S = other.First.SequenceNumber }, ["firstSub"] = new() { N = "0" }, ["last"] = new() { S = other.Last.SequenceNumber }, ["lastSub"] = new() { N = "3" } } },
                ],
            },
        });

        DeliveryException error = await Should.ThrowAsync<DeliveryException>(() => ledger.CommitAsync(Plan, CancellationToken.None));

        error.ErrorCode.ShouldBe("Plans.IdCollision");
        error.Message.ShouldContain(Plan.Id);
    }

    [Fact]
    public async Task AMissingTable_IsAClearErrorNamingIt_NotAnAbsentPlan()
    {
        string table = LocalAwsStack.UniqueName("no-plans");
        var ledger = new DynamoDbPlanLedger(_dynamoDb, table, createTableIfMissing: false, TimeSpan.FromDays(8), TimeProvider.System, NullLogger<DynamoDbPlanLedger>.Instance);

        DeliveryException read = await Should.ThrowAsync<DeliveryException>(() => ledger.GetAsync(Plan.Id, CancellationToken.None));
        DeliveryException ensure = await Should.ThrowAsync<DeliveryException>(() => ledger.EnsureTableAsync(CancellationToken.None));

        read.ErrorCode.ShouldBe("Plans.TableNotFound");
        read.Kind.ShouldBe(FailureKind.Permanent);
        read.Message.ShouldContain($"'{table}' does not exist");
        ensure.Message.ShouldContain($"'{table}' does not exist");
    }

    public void Dispose() => _dynamoDb.Dispose();

    private async Task<DynamoDbPlanLedger> NewLedgerAsync()
    {
        var ledger = new DynamoDbPlanLedger(_dynamoDb, LocalAwsStack.UniqueName("plans"), createTableIfMissing: true, TimeSpan.FromDays(8), TimeProvider.System, NullLogger<DynamoDbPlanLedger>.Instance);
        await ledger.EnsureTableAsync(CancellationToken.None);
        await ledger.EnsureTableAsync(CancellationToken.None);
        return ledger;
    }
}
