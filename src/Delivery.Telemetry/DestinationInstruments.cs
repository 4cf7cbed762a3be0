using System.Diagnostics.Metrics;

namespace Delivery.Telemetry;

/// <summary>The instruments of one destination kind, under its Firehose prefix (DeliveryToS3, DeliveryToHttpEndpoint...).</summary>
internal sealed class DestinationInstruments
{
    public DestinationInstruments(DeliveryMetrics metrics, string prefix)
    {
        Prefix = prefix;
        Records = metrics.Meter.CreateCounter<long>(prefix + ".Records", "{record}", "Records delivered.");
        Bytes = metrics.Meter.CreateCounter<long>(prefix + ".Bytes", "By", "Bytes of records delivered (before compression).");
        Success = metrics.CreateSuccess(prefix + ".Success", "Batch writes: 1 succeeded, 0 failed; the mean is the success rate.");
        if (prefix == "DeliveryToS3")
        {
            ObjectCount = metrics.Meter.CreateCounter<long>(prefix + ".ObjectCount", "{object}", "Objects written.");
        }

        metrics.Meter.CreateObservableGauge(prefix + ".DataFreshness", () => metrics.ObserveFreshness(prefix), "s",
            "Age of the oldest record not yet delivered: every older record is delivered (or in the backup bucket).");
    }

    public string Prefix { get; }

    public Counter<long> Records { get; }

    public Counter<long> Bytes { get; }

    public Histogram<int> Success { get; }

    public Counter<long>? ObjectCount { get; }
}
