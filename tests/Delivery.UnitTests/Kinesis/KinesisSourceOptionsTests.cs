using Delivery.Kinesis;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Kinesis;

/// <summary>The source settings as the worker loads them: the per-shard starting positions of a manual replay.</summary>
public sealed class KinesisSourceOptionsTests
{
    private const string P = "Delivery:Pipelines:replay";
    private const string Sequence = "49590338271490256608559692538361571095921575989136588898";

    [Fact]
    public void AManualReplay_NamesAStartingSequenceNumberPerShard()
    {
        DeliveryOptions options = Load(new()
        {
            [$"{P}:Kinesis:InitialPosition"] = "AtSequenceNumber",
            [$"{P}:Kinesis:StartingSequenceNumbers:shardId-000000000003"] = Sequence,
        });

        KinesisSourceOptions kinesis = options.Pipelines["replay"].Kinesis;
        kinesis.InitialPosition.ShouldBe(InitialPosition.AtSequenceNumber);
        kinesis.StartingSequenceNumbers.ShouldBe(new Dictionary<string, string> { ["shardId-000000000003"] = Sequence });
        kinesis.Leases.HandoffTimeoutSeconds.ShouldBe(30);
    }

    [Fact]
    public void AtSequenceNumber_WithoutAnyShard_IsReportedWithItsKeyPath()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(
            () => Load(new() { [$"{P}:Kinesis:InitialPosition"] = "AtSequenceNumber" }));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:Kinesis:StartingSequenceNumbers");
        problem.Problem.ShouldContain("is required when InitialPosition is AtSequenceNumber");
    }

    [Fact]
    public void StartingSequenceNumbers_WithAnotherInitialPosition_AreReported()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(
            () => Load(new() { [$"{P}:Kinesis:StartingSequenceNumbers:shardId-000000000003"] = Sequence }));

        error.Errors.ShouldHaveSingleItem().Problem.ShouldContain("only used when InitialPosition is AtSequenceNumber (it is TrimHorizon)");
    }

    [Theory]
    [InlineData("shard-3", Sequence, "'shard-3' is not a shard id")]
    [InlineData("shardId-000000000003", "4959x", "value '4959x' is not a sequence number")]
    public void ABadShardIdOrSequenceNumber_IsReportedUnderItsOwnKey(string shardId, string sequenceNumber, string expected)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(new()
        {
            [$"{P}:Kinesis:InitialPosition"] = "AtSequenceNumber",
            [$"{P}:Kinesis:StartingSequenceNumbers:{shardId}"] = sequenceNumber,
        }));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:Kinesis:StartingSequenceNumbers:{shardId}");
        problem.Problem.ShouldContain(expected);
    }

    private static DeliveryOptions Load(Dictionary<string, string?> settings)
    {
        settings[$"{P}:Kinesis:StreamName"] = "clickstream";
        settings[$"{P}:S3:BucketName"] = "analytics-raw";
        return DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
    }
}
