using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Delivery.Telemetry;

namespace Delivery.UnitTests.Telemetry;

/// <summary>Every measurement one meter makes, by instrument name and pipeline; gauges are read on demand.</summary>
internal sealed class MeterCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public MeterCapture(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The sum of what a counter (or histogram) recorded for a pipeline.</summary>
    public double Sum(string instrument, string pipeline) => Values(instrument, pipeline).Sum();

    public IReadOnlyList<double> Values(string instrument, string pipeline) =>
        [.. _measurements.Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault(DeliveryMetrics.DeliveryStreamNameTag), pipeline)).Select(m => m.Value)];

    /// <summary>Reads the observable instruments now and returns what one of them reported, with its tags.</summary>
    public IReadOnlyList<(double Value, Dictionary<string, object?> Tags)> Observe(string instrument)
    {
        int before = _measurements.Count;
        _listener.RecordObservableInstruments();
        return [.. _measurements.Skip(before).Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }
}
