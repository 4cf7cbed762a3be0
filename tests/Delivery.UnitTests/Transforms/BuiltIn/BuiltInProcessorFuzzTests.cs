using System.Text;
using Delivery.Testing.Fuzzing;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Processing;
using Delivery.Transforms.Query;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.BuiltIn;

/// <summary>Each built-in processor on generated records: every record comes out or fails, on its own, and nothing throws.</summary>
public sealed class BuiltInProcessorFuzzTests
{
    /// <summary>Queries over the fields <see cref="AdversarialJson"/> writes, using every kind of step.</summary>
    internal static readonly string[] Queries =
    [
        "{c: .c}",
        "{c: .c[0:1]}",
        "{c: .n | tostring, y: .at | fromdateiso8601 | strftime(\"%Y\")}",
        "{c: .tags[0] // \"none\"}",
        "{c: .inner.flag, d: .day | strptime(\"%Y-%m-%d\") | mktime | strftime(\"%F\")}",
        "{c: .ratio | floor}",
        "{c: .name | ascii_downcase | split(\"/\") | first}",
        "{c: .at / 1000 | strftime(\"%H\")}",
        "{c: .extra | length, b: .big}",
        "{c: .id | tonumber | . * 2, t: .at | todate}",
    ];

    [Fact]
    public Task Decompression_DeliversOrFailsEachRecord_AndIntactRecordsComeOutWhole() => FuzzCases.RunAsync(1500, async random =>
    {
        byte[][] contents = [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => AdversarialJson.Record(random))];
        (byte[] Data, bool Intact)[] inputs = [.. contents.Select(content => AdversarialPayloads.Gzip(random, content))];
        DeliveryBatch batch = Of([.. inputs.Select(input => input.Data)]);

        (IReadOnlyList<ChainRecord> output, ProcessingRun run) = await ProcessAsync(new DecompressionStage(), batch);

        EachRecordOnce(batch, output, run);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].Intact)
            {
                run.IsFailed(i).ShouldBeFalse($"record {i}: {Convert.ToHexString(inputs[i].Data)} of {Convert.ToHexString(contents[i])}: " + string.Join("; ", run.Failures().Select(failure => failure.ErrorMessage)));
                output.Single(record => record.SourceIndex == i).Data.ToArray().ShouldBe(contents[i]);
            }
        }
    });

    [Fact]
    public Task CloudWatchLogs_DeliversOrFailsEachRecord() => FuzzCases.RunAsync(1500, async random =>
    {
        DeliveryBatch batch = Of([.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => AdversarialPayloads.CloudWatchLogsMessage(random))]);

        (IReadOnlyList<ChainRecord> output, ProcessingRun run) = await ProcessAsync(new CloudWatchLogsStage(extractMessages: random.Next(4) != 0), batch);

        EachRecordOnce(batch, output, run);
    });

    [Fact]
    public Task DeAggregation_DeliversOrFailsEachRecord_AndPiecesAreSlicesOfIt() => FuzzCases.RunAsync(1500, async random =>
    {
        DeliveryBatch batch = Of([.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(3) == 0
            ? [.. AdversarialJson.Record(random), .. "\n"u8, .. AdversarialJson.Record(random)]
            : AdversarialJson.Record(random))]);
        bool json = random.Next(3) != 0;
        var stage = new RecordDeAggregationStage(json ? SubRecordType.Json : SubRecordType.Delimited, json ? null : "},"u8.ToArray());

        (IReadOnlyList<ChainRecord> output, ProcessingRun run) = await ProcessAsync(stage, batch);

        EachRecordOnce(batch, output, run);
        foreach (ChainRecord piece in output)
        {
            batch.Records[piece.SourceIndex].Data.Span.IndexOf(piece.Data.Span).ShouldBeGreaterThanOrEqualTo(0);
        }
    });

    [Fact]
    public Task MetadataExtraction_DeliversOrFailsEachRecord_WithKeysForEveryQueryKey() => FuzzCases.RunAsync(2000, async random =>
    {
        JqQuery query = JqQuery.Parse(Queries[random.Next(Queries.Length)]);
        DeliveryBatch batch = Of([.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => AdversarialJson.Record(random))]);

        (IReadOnlyList<ChainRecord> output, ProcessingRun run) = await ProcessAsync(new MetadataExtractionStage(query), batch);

        EachRecordOnce(batch, output, run);
        output.All(record => record.KeysFromQuery!.Count == query.KeyNames.Count).ShouldBeTrue();
        run.Failures().All(failure => failure.ErrorCode == TransformErrorCodes.MetadataExtractionFailed && failure.ErrorMessage.Length > 0).ShouldBeTrue();
    });

    /// <summary>Every record of <paramref name="batch"/> came out (in one or more parts) or failed, never both.</summary>
    internal static void EachRecordOnce(DeliveryBatch batch, IReadOnlyList<ChainRecord> output, ProcessingRun run)
    {
        var delivered = output.Select(record => record.SourceIndex).ToHashSet();
        for (int i = 0; i < batch.Records.Count; i++)
        {
            (delivered.Contains(i) != run.IsFailed(i)).ShouldBeTrue(
                $"record {i} ({Encoding.UTF8.GetString(batch.Records[i].Data.Span)}) was {(delivered.Contains(i) ? "delivered and failed" : "neither delivered nor failed")}");
        }
    }

    private static async Task<(IReadOnlyList<ChainRecord> Output, ProcessingRun Run)> ProcessAsync(IProcessingStage stage, DeliveryBatch batch)
    {
        ProcessingRun run = Run(batch);
        IReadOnlyList<ChainRecord> output = await stage.ProcessAsync(run, Records(batch), default);
        return (output, run);
    }
}
