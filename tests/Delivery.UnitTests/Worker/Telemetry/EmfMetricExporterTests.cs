using System.Text.Json;
using Delivery.Telemetry;
using Delivery.Testing;
using Delivery.Worker.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Delivery.UnitTests.Worker.Telemetry;

public sealed class EmfMetricExporterTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly DeliveryMetrics _metrics;
    private readonly StringWriter _output = new();
    private readonly MeterProvider _provider;

    public EmfMetricExporterTests()
    {
        _metrics = new DeliveryMetrics(_time);

        // A meter name of its own per test class instance would need a factory; tag filtering keeps tests apart instead.
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(DeliveryMetrics.MeterName)
            .AddReader(new PeriodicExportingMetricReader(new EmfMetricExporter(_output, "DeliveryTest"), int.MaxValue) { TemporalityPreference = MetricReaderTemporalityPreference.Delta })
            .Build();
    }

    [Fact]
    public void EachPipeline_GetsOneEmfLine_WhoseDirectiveNamesEveryValueItCarries()
    {
        string pipeline = LocalAwsStack.UniqueName("emf");
        PipelineTelemetry telemetry = _metrics.ForPipeline(pipeline);
        telemetry.RecordsIncoming(10, 1000);
        telemetry.RecordsIncoming(5, 24);
        telemetry.RecordsRead("shardId-1", 15, 1024, 500);
        telemetry.RecordsRead("shardId-2", 0, 0, 2000);
        telemetry.BatchDelivered("s3", "shardId-1", 15, 1024);
        telemetry.BatchFailed("s3", "shardId-1", "S3.SlowDown", "slow down");
        telemetry.BatchDelivered("s3", "shardId-1", 3, 30);

        JsonElement line = Flush(pipeline);

        JsonElement directive = line.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray().ShouldHaveSingleItem();
        directive.GetProperty("Namespace").GetString().ShouldBe("DeliveryTest");
        directive.GetProperty("Dimensions").EnumerateArray().ShouldHaveSingleItem().EnumerateArray().Select(d => d.GetString()).ShouldBe(["DeliveryStreamName"]);
        line.GetProperty("DeliveryStreamName").GetString().ShouldBe(pipeline);
        line.GetProperty("_aws").GetProperty("Timestamp").GetInt64().ShouldBeGreaterThan(0);
        Dictionary<string, string> units = directive.GetProperty("Metrics").EnumerateArray().ToDictionary(m => m.GetProperty("Name").GetString()!, m => m.GetProperty("Unit").GetString()!);
        foreach (string name in units.Keys)
        {
            line.TryGetProperty(name, out _).ShouldBeTrue($"the directive names {name}, so the line must carry it");
        }

        line.GetProperty("IncomingRecords").GetDouble().ShouldBe(15);
        line.GetProperty("IncomingBytes").GetDouble().ShouldBe(1024);
        units["IncomingBytes"].ShouldBe("Bytes");
        units["IncomingRecords"].ShouldBe("Count");
        line.GetProperty("DeliveryToS3.Records").GetDouble().ShouldBe(18);
        line.GetProperty("DeliveryToS3.ObjectCount").GetDouble().ShouldBe(2);
        line.GetProperty("DeliveryToS3.Success").EnumerateArray().Select(v => v.GetInt32()).Order().ShouldBe([0, 1, 1]);
        line.GetProperty("KinesisMillisBehindLatest").GetDouble().ShouldBe(2000, "the slowest shard is what to alarm and scale on");
        units["KinesisMillisBehindLatest"].ShouldBe("Milliseconds");
    }

    [Fact]
    public void CountersCoverOneInterval_SoTheNextLineHoldsOnlyWhatHappenedSince()
    {
        string pipeline = LocalAwsStack.UniqueName("emf");
        PipelineTelemetry telemetry = _metrics.ForPipeline(pipeline);
        telemetry.RecordsIncoming(10, 100);
        Flush(pipeline).GetProperty("IncomingRecords").GetDouble().ShouldBe(10);

        telemetry.RecordsIncoming(3, 30);

        Flush(pipeline).GetProperty("IncomingRecords").GetDouble().ShouldBe(3);
    }

    [Fact]
    public void ManySuccessAttempts_AreScaledTo100ValuesOfTheSameRate()
    {
        string pipeline = LocalAwsStack.UniqueName("emf");
        PipelineTelemetry telemetry = _metrics.ForPipeline(pipeline);
        for (int i = 0; i < 150; i++)
        {
            if (i % 5 == 0)
            {
                telemetry.BatchFailed("s3", "shardId-1", "S3.InternalError", "try again");
            }
            else
            {
                telemetry.BatchDelivered("s3", "shardId-1", 1, 1);
            }
        }

        int[] values = [.. Flush(pipeline).GetProperty("DeliveryToS3.Success").EnumerateArray().Select(v => v.GetInt32())];

        values.Length.ShouldBe(100);
        values.Sum().ShouldBe(80, "120 of 150 succeeded: 80%");
    }

    [Theory]
    [InlineData("By", "Bytes")]
    [InlineData("ms", "Milliseconds")]
    [InlineData("s", "Seconds")]
    [InlineData("{record}", "Count")]
    [InlineData(null, "None")]
    public void UcumUnits_BecomeCloudWatchUnits(string? unit, string expected) => EmfMetricExporter.CloudWatchUnit(unit).ShouldBe(expected);

    public void Dispose()
    {
        _provider.Dispose();
        _metrics.Dispose();
        _output.Dispose();
    }

    private JsonElement Flush(string pipeline)
    {
        _output.GetStringBuilder().Clear();
        _provider.ForceFlush().ShouldBeTrue();
        string line = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Single(l => l.Contains($"\"DeliveryStreamName\":\"{pipeline}\"", StringComparison.Ordinal));
        return JsonDocument.Parse(line).RootElement.Clone();
    }
}
