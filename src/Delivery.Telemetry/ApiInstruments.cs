using System.Diagnostics.Metrics;

namespace Delivery.Telemetry;

/// <summary>
/// The Firehose API metrics of Direct PUT (IncomingPutRequests, PutRecord.*, PutRecordBatch.*, ThrottledRecords,
/// DescribeDeliveryStream.*), per delivery stream. Records put are counted again as IncomingRecords when the pipeline
/// reads them from its stream, as for any record of the stream, so they are not counted there twice.
/// </summary>
internal sealed class ApiInstruments(Meter meter)
{
    public Counter<long> IncomingPutRequests { get; } = meter.CreateCounter<long>("IncomingPutRequests", "{request}", "PutRecord and PutRecordBatch requests answered with success (per-record failures included).");

    public Counter<long> PutRecordRequests { get; } = meter.CreateCounter<long>("PutRecord.Requests", "{request}", "PutRecord requests, answered with success or not.");

    public Counter<long> PutRecordBytes { get; } = meter.CreateCounter<long>("PutRecord.Bytes", "By", "Bytes of records stored through PutRecord.");

    public Histogram<double> PutRecordLatency { get; } = meter.CreateHistogram<double>("PutRecord.Latency", "ms", "Time a PutRecord request took, from its body read to its answer.");

    public Counter<long> PutRecordBatchRequests { get; } = meter.CreateCounter<long>("PutRecordBatch.Requests", "{request}", "PutRecordBatch requests, answered with success or not.");

    public Counter<long> PutRecordBatchRecords { get; } = meter.CreateCounter<long>("PutRecordBatch.Records", "{record}", "Records stored through PutRecordBatch.");

    public Counter<long> PutRecordBatchBytes { get; } = meter.CreateCounter<long>("PutRecordBatch.Bytes", "By", "Bytes of records stored through PutRecordBatch.");

    public Histogram<double> PutRecordBatchLatency { get; } = meter.CreateHistogram<double>("PutRecordBatch.Latency", "ms", "Time a PutRecordBatch request took, from its body read to its answer.");

    public Counter<long> ThrottledRecords { get; } = meter.CreateCounter<long>("ThrottledRecords", "{record}", "Records refused for throughput (the stream's shards, or the listener's MaxConcurrentRequests); producers put them again.");

    public Counter<long> DescribeRequests { get; } = meter.CreateCounter<long>("DescribeDeliveryStream.Requests", "{request}", "DescribeDeliveryStream requests.");

    public Histogram<double> DescribeLatency { get; } = meter.CreateHistogram<double>("DescribeDeliveryStream.Latency", "ms", "Time a DescribeDeliveryStream request took.");
}
