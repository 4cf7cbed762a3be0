using Delivery.Kinesis.Aggregation;
using Delivery.Testing;
using Delivery.Testing.Fuzzing;

namespace Delivery.UnitTests.Kinesis.Aggregation;

public sealed class KplDeaggregatorFuzzTests
{
    private const string Sequence = "49590338271490256608559692538361571095921575989136588898";
    private static readonly DateTimeOffset Arrival = new(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Fact]
    public void AnyRecord_BecomesItsUserRecords_OrItselfAsOnePlainRecord_AndNeverThrows()
    {
        FuzzCases.Run(3000, random =>
        {
            (byte[] data, IReadOnlyList<KplAggregate.UserRecord>? expected) = AdversarialPayloads.KplAggregate(random);
            var output = new List<SourceRecord>();

            string? problem = KplDeaggregator.Deaggregate(Sequence, "aggregate-key", Arrival, data, output);

            // Plain checks rather than Shouldly's expression ones, which compile an expression per call: thousands of cases.
            output.ShouldNotBeEmpty();
            output.TrueForAll(record => record.ApproximateArrivalTimestamp == Arrival && record.Position.SequenceNumber == Sequence).ShouldBeTrue();
            if (expected is not null)
            {
                problem.ShouldBeNull();
                output.Select(record => record.PartitionKey).ShouldBe(expected.Select(user => user.PartitionKey));
                output.Select(record => Convert.ToHexString(record.Data.Span)).ShouldBe(expected.Select(user => Convert.ToHexString(user.Data)));
            }

            if (problem is not null || output.Count == 1 && output[0].Position.SubSequenceNumber == 0 && output[0].PartitionKey == "aggregate-key")
            {
                SourceRecord plain = output.ShouldHaveSingleItem();
                plain.Data.ToArray().ShouldBe(data, "a bad aggregate is delivered as it came");
                return;
            }

            output.Select(record => record.Position.SubSequenceNumber).ShouldBe(Enumerable.Range(0, output.Count).Select(i => (long)i));
        });
    }
}
