using Delivery.Destinations.S3;

namespace Delivery.UnitTests.Destinations.S3;

public sealed class S3ObjectKeyBuilderTests
{
    [Fact]
    public void Build_WithoutPrefix_StartsWithTheUtcHourOfTheOldestRecord()
    {
        DeliveryBatch batch = TestBatches.Create();

        string key = new S3ObjectKeyBuilder("", ".gz").Build(batch);

        key.ShouldBe($"2026/03/04/03/clicks-1-2026-03-04-03-06-07-{batch.Id}.gz");
    }

    [Theory]
    [InlineData("logs/", "logs/2026/03/04/03/")]
    [InlineData("logs", "logs2026/03/04/03/")]
    [InlineData("a/b c/", "a/b c/2026/03/04/03/")]
    public void Build_PrefixWithoutExpressions_IsFollowedDirectlyByTheDefaultTimePath(string prefix, string expectedStart)
    {
        DeliveryBatch batch = TestBatches.Create();

        string key = new S3ObjectKeyBuilder(prefix, "").Build(batch);

        key.ShouldBe($"{expectedStart}clicks-1-2026-03-04-03-06-07-{batch.Id}");
    }

    [Theory]
    [InlineData("year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/", "year=2026/month=03/day=04/hour=03/")]
    [InlineData("data/!{timestamp:yyyy-MM-dd}/", "data/2026-03-04/")]
    [InlineData("!{timestamp:yy'h'HH'm'mm's'ss}_", "26h03m06s07_")]
    [InlineData("!{timestamp:'it''s' yyyy}/", "it's 2026/")]
    [InlineData("x/!{timestamp:HH}", "x/03")]
    public void Build_TimestampExpressions_AreEvaluatedFromTheOldestArrival_AndReplaceTheDefaultTimePath(string prefix, string expectedStart)
    {
        DeliveryBatch batch = TestBatches.Create();

        string key = new S3ObjectKeyBuilder(prefix, ".gz").Build(batch);

        key.ShouldBe($"{expectedStart}clicks-1-2026-03-04-03-06-07-{batch.Id}.gz");
    }

    [Fact]
    public void Build_IsTheSameForTheSameSourceRange_AndDiffersForAnother()
    {
        var first = new S3ObjectKeyBuilder("p/", ".gz");
        var second = new S3ObjectKeyBuilder("p/", ".gz");
        BatchSource other = TestBatches.Source with { Last = new ShardPosition("4959009", 3) };

        string key = first.Build(TestBatches.Create());

        second.Build(TestBatches.Create()).ShouldBe(key);
        first.Build(TestBatches.Create()).ShouldBe(key);
        first.Build(TestBatches.Create(other)).ShouldNotBe(key);
        key.ShouldEndWith("-" + TestBatches.Source.DeterministicId() + ".gz");
    }

    [Theory]
    [InlineData("!{foo:bar}/", "'!{foo:bar}' is not a known expression")]
    [InlineData("!{timestamp:yyyy-QQ}/", "'QQ' is not a supported timestamp field")]
    [InlineData("!{timestamp:M}/", "'M' is not a supported timestamp field")]
    [InlineData("!{timestamp:}/", "the timestamp pattern is empty")]
    [InlineData("!{timestamp:yyyy'}/", "not closed")]
    [InlineData("!{timestamp:yyyy[MM]}/", "'[' is reserved")]
    [InlineData("logs/!{timestamp:yyyy", "has no closing '}'")]
    [InlineData("!{partitionKeyFromQuery:}/", "needs a key name")]
    [InlineData("!{partitionKeyFromLambda:a b}/", "needs a key name")]
    public void Constructor_RejectsAnExpressionItCannotEvaluate_NamingTheOption(string prefix, string reason)
    {
        ArgumentException error = Should.Throw<ArgumentException>(() => new S3ObjectKeyBuilder(prefix, ".gz"));

        error.Message.ShouldContain("S3DestinationOptions.Prefix");
        error.Message.ShouldContain(reason);
        S3ObjectKeyBuilder.IsValidPrefix(prefix, out string? message).ShouldBeFalse();
        message.ShouldNotBeNull().ShouldContain("S3DestinationOptions.Prefix");
    }

    [Fact]
    public void IsValidPrefix_AcceptsPlainTextAndTimestampExpressions()
    {
        S3ObjectKeyBuilder.IsValidPrefix("", out _).ShouldBeTrue();
        S3ObjectKeyBuilder.IsValidPrefix("logs/{not-an-expression}/", out _).ShouldBeTrue();
        S3ObjectKeyBuilder.IsValidPrefix("y=!{timestamp:yyyy}/m=!{timestamp:MM}/", out string? error).ShouldBeTrue();
        error.ShouldBeNull();
    }

    [Fact]
    public void PartitionKeyExpressions_AreFilledFromTheBatchsPartition_AndTheNameUsesThePartitionsObjectId()
    {
        DeliveryBatch original = TestBatches.Create();
        var partition = new PartitionKeys(new Dictionary<string, string> { ["customer"] = "c-42" }, new Dictionary<string, string> { ["tier"] = "gold" });
        var batch = new DeliveryBatch(original.DeliveryStreamName, original.Source, original.Records, partition);
        var keys = new S3ObjectKeyBuilder("customer=!{partitionKeyFromQuery:customer}/tier=!{partitionKeyFromLambda:tier}/!{timestamp:yyyy}/", ".gz");

        string key = keys.Build(batch);

        key.ShouldBe($"customer=c-42/tier=gold/2026/clicks-1-2026-03-04-03-06-07-{batch.ObjectId}.gz");
        batch.ObjectId.ShouldBe(partition.ObjectIdFor(batch.Id));
        batch.ObjectId.ShouldNotBe(batch.Id);
        keys.QueryKeys.ShouldBe(["customer"]);
        keys.LambdaKeys.ShouldBe(["tier"]);
        (IReadOnlyList<string> queryKeys, IReadOnlyList<string> lambdaKeys) = S3ObjectKeyBuilder.PartitionKeysIn("a/!{partitionKeyFromLambda:x}/!{partitionKeyFromQuery:y}/!{partitionKeyFromQuery:y}");
        queryKeys.ShouldBe(["y"]);
        lambdaKeys.ShouldBe(["x"]);
    }

    [Fact]
    public void APartitionKeyExpression_CannotBeBuiltForABatchWithoutPartition()
    {
        Should.Throw<InvalidOperationException>(() => new S3ObjectKeyBuilder("!{partitionKeyFromQuery:customer}/", "").Build(TestBatches.Create()))
            .Message.ShouldContain("!{partitionKeyFromQuery:customer}");
    }

    [Fact]
    public void RandomString_Is11Characters_TheSameForTheSameObject_AndDifferentForAnother()
    {
        var keys = new S3ObjectKeyBuilder("r=!{firehose:random-string}/", "");
        DeliveryBatch batch = TestBatches.Create();
        DeliveryBatch other = TestBatches.Create(TestBatches.Source with { Last = new ShardPosition("4959010") });

        string key = keys.Build(batch);

        key.ShouldMatch($"^r=[a-z0-9]{{11}}/clicks-1-2026-03-04-03-06-07-{batch.Id}$");
        keys.Build(TestBatches.Create()).ShouldBe(key);
        keys.Build(other)[..14].ShouldNotBe(key[..14]);
        S3ObjectKeyBuilder.ForErrorOutput("!{firehose:error-output-type}/!{firehose:random-string}/", "").Build(batch, ErrorOutputTypes.ProcessingFailed)
            .ShouldMatch("^processing-failed/[a-z0-9]{11}/");
    }

    [Fact]
    public void PartitionKeys_AreRefusedInTheErrorOutputPrefix()
    {
        S3ObjectKeyBuilder.IsValidErrorOutputPrefix("errors/!{partitionKeyFromQuery:customer}/", out string? error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("cannot be used in the error output prefix");
    }
}
