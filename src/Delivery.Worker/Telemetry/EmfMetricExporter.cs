using System.Text;
using System.Text.Json;
using Delivery.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Delivery.Worker.Telemetry;

/// <summary>
/// Writes the <c>Delivery</c> meter's measurements as CloudWatch Embedded Metric Format: one JSON line per pipeline and
/// interval on stdout, which the awslogs driver of ECS ships to CloudWatch Logs, where the metrics are extracted with
/// no agent. Read with delta temporality, so counters hold what happened during the interval.
/// </summary>
/// <remarks>
/// Per-shard gauges (KinesisMillisBehindLatest) are reduced to their maximum over the pipeline's shards, the value to
/// alarm and scale on. Success metrics are written as 1s and 0s so that CloudWatch's Average is the success rate, as in
/// Firehose; beyond 100 attempts in an interval they are scaled to 100 values of the same rate.
/// </remarks>
internal sealed class EmfMetricExporter(TextWriter output, string metricNamespace) : BaseExporter<Metric>
{
    private const int MaxValuesPerMetric = 100;

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var byPipeline = new SortedDictionary<string, PipelineValues>(StringComparer.Ordinal);
        foreach (Metric metric in batch)
        {
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
            {
                if (PipelineOf(point) is not { } pipeline)
                {
                    continue;
                }

                if (!byPipeline.TryGetValue(pipeline, out PipelineValues? values))
                {
                    values = new PipelineValues(point.EndTime);
                    byPipeline[pipeline] = values;
                }

                values.Add(metric, point);
            }
        }

        foreach ((string pipeline, PipelineValues values) in byPipeline)
        {
            foreach (string empty in values.Metrics.Where(pair => !pair.Value.HasValue).Select(pair => pair.Key).ToList())
            {
                // Every metric a directive names must have a value in the line.
                values.Metrics.Remove(empty);
            }

            if (values.Metrics.Count > 0)
            {
                output.WriteLine(Format(pipeline, values));
            }
        }

        output.Flush();
        return ExportResult.Success;
    }

    /// <summary>The CloudWatch unit of an instrument's UCUM unit.</summary>
    internal static string CloudWatchUnit(string? unit) => unit switch
    {
        "By" => "Bytes",
        "ms" => "Milliseconds",
        "s" => "Seconds",
        null or "" => "None",
        _ when unit.StartsWith('{') => "Count",
        _ => "None",
    };

    private static string? PipelineOf(in MetricPoint point)
    {
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            if (tag.Key == DeliveryMetrics.DeliveryStreamNameTag)
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    private string Format(string pipeline, PipelineValues values)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", values.Timestamp.ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", metricNamespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue(DeliveryMetrics.DeliveryStreamNameTag);
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            foreach ((string name, MetricValue value) in values.Metrics)
            {
                json.WriteStartObject();
                json.WriteString("Name", name);
                json.WriteString("Unit", value.Unit);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString(DeliveryMetrics.DeliveryStreamNameTag, pipeline);
            foreach ((string name, MetricValue value) in values.Metrics)
            {
                value.WriteTo(json, name);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private sealed class PipelineValues(DateTimeOffset timestamp)
    {
        public DateTimeOffset Timestamp { get; } = timestamp;

        public SortedDictionary<string, MetricValue> Metrics { get; } = new(StringComparer.Ordinal);

        public void Add(Metric metric, in MetricPoint point)
        {
            if (!Metrics.TryGetValue(metric.Name, out MetricValue? value))
            {
                value = new MetricValue(CloudWatchUnit(metric.Unit), metric.Name.EndsWith(".Success", StringComparison.Ordinal));
                Metrics[metric.Name] = value;
            }

            switch (metric.MetricType)
            {
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    value.Sum += point.GetSumLong();
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    value.Sum += point.GetSumDouble();
                    break;
                case MetricType.LongGauge:
                    value.Max(point.GetGaugeLastValueLong());
                    break;
                case MetricType.DoubleGauge:
                    value.Max(point.GetGaugeLastValueDouble());
                    break;
                case MetricType.Histogram:
                    value.Sum += point.GetHistogramSum();
                    value.Count += point.GetHistogramCount();
                    break;
                default:
                    Metrics.Remove(metric.Name);
                    break;
            }
        }
    }

    private sealed class MetricValue(string unit, bool isSuccessRate)
    {
        private double? _max;

        public string Unit { get; } = unit;

        public double Sum { get; set; }

        public long Count { get; set; }

        public bool HasValue => _max is not null || !isSuccessRate || Count > 0;

        public void Max(double value) => _max = _max is { } current && current >= value ? current : value;

        public void WriteTo(Utf8JsonWriter json, string name)
        {
            if (_max is { } max)
            {
                json.WriteNumber(name, max);
            }
            else if (isSuccessRate)
            {
                // Attempts as 1s and 0s: CloudWatch's Average of them is the success rate, their Sum the successes.
                long attempts = Count;
                long successes = (long)Math.Round(Sum);
                if (attempts > MaxValuesPerMetric)
                {
                    successes = (long)Math.Round((double)successes * MaxValuesPerMetric / attempts);
                    attempts = MaxValuesPerMetric;
                }

                json.WriteStartArray(name);
                for (long i = 0; i < attempts; i++)
                {
                    json.WriteNumberValue(i < successes ? 1 : 0);
                }

                json.WriteEndArray();
            }
            else if (Count > 0)
            {
                // Durations: the interval's mean (EMF takes values, not histograms).
                json.WriteNumber(name, Sum / Count);
            }
            else
            {
                json.WriteNumber(name, Sum);
            }
        }
    }
}
