using System.Diagnostics.Metrics;

namespace Delivery.Telemetry;

/// <summary>The instruments of one destination kind, under its Firehose prefix (DeliveryToS3, DeliveryToHttpEndpoint, DeliveryToSplunk...).</summary>
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

        if (prefix == "DeliveryToSplunk")
        {
            DataAckLatency = metrics.Meter.CreateHistogram<double>(prefix + ".DataAckLatency", "s", "Time from sending a request to Splunk to seeing it acknowledged as indexed.");
        }

        metrics.Meter.CreateObservableGauge(prefix + ".DataFreshness", () => metrics.ObserveDestination(prefix, pipeline => pipeline.DataFreshness()?.TotalSeconds), "s",
            "Age of the oldest record not yet delivered: every older record is delivered (or in the backup bucket).");
        metrics.Meter.CreateObservableGauge(prefix + ".FailingSeconds", () => metrics.ObserveDestination(prefix, pipeline => pipeline.FailingSeconds(pipeline.DeliveryFailingSince)), "s",
            "How long writes to the destination have been failing: seconds since the first failed attempt with no delivery after it; 0 while it delivers.");
    }

    public string Prefix { get; }

    public Counter<long> Records { get; }

    public Counter<long> Bytes { get; }

    public Histogram<int> Success { get; }

    public Counter<long>? ObjectCount { get; }

    public Histogram<double>? DataAckLatency { get; }
}
