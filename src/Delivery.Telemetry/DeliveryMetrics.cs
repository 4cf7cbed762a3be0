using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Delivery.Telemetry;

/// <summary>
/// Every instrument of the <c>Delivery</c> meter, named the way Amazon Data Firehose names its CloudWatch metrics
/// (IncomingRecords, DeliveryToS3.DataFreshness, KinesisMillisBehindLatest...), so dashboards and alarms built for
/// Firehose keep working. Measurements carry the tag <c>DeliveryStreamName</c> (the pipeline), as Firehose's dimension
/// does. Components record through the <see cref="PipelineTelemetry"/> of their pipeline; where measurements go (OTLP,
/// CloudWatch Embedded Metric Format) is the host's choice.
/// </summary>
public sealed class DeliveryMetrics : IDisposable
{
    /// <summary>The meter's name; subscribe to it to receive every Delivery measurement.</summary>
    public const string MeterName = "Delivery";

    /// <summary>The pipeline tag, named after Firehose's CloudWatch dimension.</summary>
    public const string DeliveryStreamNameTag = "DeliveryStreamName";

    /// <summary>The shard tag of per-shard gauges (KinesisMillisBehindLatest).</summary>
    public const string ShardIdTag = "ShardId";

    private readonly ConcurrentDictionary<string, PipelineTelemetry> _pipelines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DestinationInstruments> _destinations = new(StringComparer.Ordinal);
    private readonly bool _ownsMeter;

    /// <param name="timeProvider">The clock DataFreshness is measured against.</param>
    /// <param name="meterFactory">The host's factory (so the meter is scoped to the host); null creates a meter of its own.</param>
    public DeliveryMetrics(TimeProvider timeProvider, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeProvider = timeProvider;
        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);

        IncomingBytes = Meter.CreateCounter<long>("IncomingBytes", "By", "Bytes of records that entered a pipeline.");
        IncomingRecords = Meter.CreateCounter<long>("IncomingRecords", "{record}", "Records that entered a pipeline.");
        DataReadBytes = Meter.CreateCounter<long>("DataReadFromKinesisStream.Bytes", "By", "Bytes of records read from Kinesis.");
        DataReadRecords = Meter.CreateCounter<long>("DataReadFromKinesisStream.Records", "{record}", "Records read from Kinesis.");
        ThrottledGetRecords = Meter.CreateCounter<long>("ThrottledGetRecords", "{call}", "GetRecords calls that Kinesis throttled beyond the client's own retries.");
        ShardReadFailures = Meter.CreateCounter<long>("ShardReadFailures", "{failure}", "Shard readers that stopped on an error; each shard is tried again with backoff while the others go on.");
        ShardPositionsAgedOut = Meter.CreateCounter<long>("ShardPositionsAgedOut", "{event}", "Shards whose next record to deliver had aged out of the stream's retention; reading went on at the trim horizon.");
        Meter.CreateObservableGauge("KinesisMillisBehindLatest", ObserveMillisBehindLatest, "ms", "How far each shard's reader is behind the tip of the stream.");

        BackupBytes = Meter.CreateCounter<long>("BackupToS3.Bytes", "By", "Bytes of records written to the backup bucket.");
        BackupRecords = Meter.CreateCounter<long>("BackupToS3.Records", "{record}", "Records written to the backup bucket.");
        BackupSuccess = CreateSuccess("BackupToS3.Success", "Backup writes: 1 succeeded, 0 failed; the mean is the success rate.");
        Meter.CreateObservableGauge("BackupToS3.FailingSeconds", () => ObservePipelines<double>(p => p.FailingSeconds(p.BackupFailingSince)), "s",
            "How long writes to the backup bucket have been failing (the shard holds its checkpoint meanwhile); 0 while they succeed.");

        ProcessingDuration = Meter.CreateHistogram<double>("ExecuteProcessing.Duration", "ms", "Time one transform invocation took.");
        ProcessingSuccess = CreateSuccess("ExecuteProcessing.Success", "Transform invocations: 1 succeeded, 0 failed.");
        SucceedProcessingRecords = Meter.CreateCounter<long>("SucceedProcessing.Records", "{record}", "Records transformed successfully.");
        SucceedProcessingBytes = Meter.CreateCounter<long>("SucceedProcessing.Bytes", "By", "Bytes of records transformed successfully.");

        SucceedConversionRecords = Meter.CreateCounter<long>("SucceedConversion.Records", "{record}", "Records converted (JSON to Parquet).");
        SucceedConversionBytes = Meter.CreateCounter<long>("SucceedConversion.Bytes", "By", "Bytes of records converted.");
        FailedConversionRecords = Meter.CreateCounter<long>("FailedConversion.Records", "{record}", "Records that could not be converted.");
        FailedConversionBytes = Meter.CreateCounter<long>("FailedConversion.Bytes", "By", "Bytes of records that could not be converted.");

        Meter.CreateObservableGauge("PartitionCount", () => ObservePipelines(p => p.PartitionCount), "{partition}", "Active dynamic partitions.");
        Meter.CreateObservableGauge("PartitionCountExceeded", () => ObservePipelines<int>(p => p.PartitionCount is null ? null : p.PartitionCountExceeded ? 1 : 0), null, "1 while records are over the active partition cap, else 0.");

        Api = new ApiInstruments(Meter);

        // The destination Foundation ships with, so its names exist before the first pipeline is created.
        Destination("s3");
    }

    public Meter Meter { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>The telemetry of every pipeline created so far, by name.</summary>
    public IReadOnlyDictionary<string, PipelineTelemetry> Pipelines => _pipelines;

    internal Counter<long> IncomingBytes { get; }

    internal Counter<long> IncomingRecords { get; }

    internal Counter<long> DataReadBytes { get; }

    internal Counter<long> DataReadRecords { get; }

    internal Counter<long> ThrottledGetRecords { get; }

    internal Counter<long> ShardReadFailures { get; }

    internal Counter<long> ShardPositionsAgedOut { get; }

    internal Counter<long> BackupBytes { get; }

    internal Counter<long> BackupRecords { get; }

    internal Histogram<int> BackupSuccess { get; }

    internal Histogram<double> ProcessingDuration { get; }

    internal Histogram<int> ProcessingSuccess { get; }

    internal Counter<long> SucceedProcessingRecords { get; }

    internal Counter<long> SucceedProcessingBytes { get; }

    internal Counter<long> SucceedConversionRecords { get; }

    internal Counter<long> SucceedConversionBytes { get; }

    internal Counter<long> FailedConversionRecords { get; }

    internal Counter<long> FailedConversionBytes { get; }

    internal ApiInstruments Api { get; }

    /// <summary>The telemetry of one pipeline; the same object for the same name.</summary>
    public PipelineTelemetry ForPipeline(string deliveryStreamName)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryStreamName);
        return _pipelines.GetOrAdd(deliveryStreamName, static (name, metrics) => new PipelineTelemetry(metrics, name), this);
    }

    /// <summary>
    /// The Firehose metric prefix of a destination type (a writer's DestinationType): <c>s3</c> is
    /// <c>DeliveryToS3</c>, <c>http</c> <c>DeliveryToHttpEndpoint</c>, <c>redshift</c> <c>DeliveryToRedshift</c>,
    /// <c>opensearch</c> <c>DeliveryToAmazonOpenSearchService</c>, <c>splunk</c> <c>DeliveryToSplunk</c>.
    /// </summary>
    public static string MetricPrefix(string destinationType)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationType);
        string normalized = destinationType.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();
        return normalized switch
        {
            "S3" => "DeliveryToS3",
            "HTTP" or "HTTPENDPOINT" => "DeliveryToHttpEndpoint",
            "REDSHIFT" => "DeliveryToRedshift",
            "OPENSEARCH" or "AMAZONOPENSEARCHSERVICE" => "DeliveryToAmazonOpenSearchService",
            "SPLUNK" => "DeliveryToSplunk",
            _ => "DeliveryTo" + char.ToUpperInvariant(destinationType[0]) + destinationType[1..],
        };
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    internal DestinationInstruments Destination(string destinationType) =>
        _destinations.GetOrAdd(MetricPrefix(destinationType), static (prefix, metrics) => new DestinationInstruments(metrics, prefix), this);

    internal Histogram<int> CreateSuccess(string name, string description) =>

        // 1 per success and 0 per failure: the sum counts successes, the count attempts, the mean is Firehose's ratio.
        Meter.CreateHistogram<int>(name, null, description, tags: null, new InstrumentAdvice<int> { HistogramBucketBoundaries = [0] });

    /// <summary>One value per pipeline that delivers to the destination with <paramref name="prefix"/>; none where it is null.</summary>
    internal IEnumerable<Measurement<double>> ObserveDestination(string prefix, Func<PipelineTelemetry, double?> value)
    {
        foreach (PipelineTelemetry pipeline in _pipelines.Values)
        {
            if (pipeline.MetricPrefix == prefix && value(pipeline) is { } observed)
            {
                yield return new Measurement<double>(observed, pipeline.Tags);
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveMillisBehindLatest()
    {
        foreach (PipelineTelemetry pipeline in _pipelines.Values)
        {
            foreach ((string shardId, ShardActivity shard) in pipeline.Shards)
            {
                if (shard.IsReading && shard.MillisBehindLatest is { } behind)
                {
                    yield return new Measurement<long>(behind, new KeyValuePair<string, object?>(DeliveryStreamNameTag, pipeline.Name), new KeyValuePair<string, object?>(ShardIdTag, shardId));
                }
            }
        }
    }

    private IEnumerable<Measurement<T>> ObservePipelines<T>(Func<PipelineTelemetry, T?> value)
        where T : struct
    {
        foreach (PipelineTelemetry pipeline in _pipelines.Values)
        {
            if (value(pipeline) is { } observed)
            {
                yield return new Measurement<T>(observed, pipeline.Tags);
            }
        }
    }
}
