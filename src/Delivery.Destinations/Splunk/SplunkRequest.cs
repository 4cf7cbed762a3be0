using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.IO;

namespace Delivery.Destinations.Splunk;

/// <summary>
/// One request to the collector: some records of a batch, encoded once into a pooled body that every attempt sends
/// unchanged. The raw endpoint gets each record's bytes followed by a line break, unless the record already ends with
/// one; the event endpoint gets each record's HEC events as they are (<see cref="SplunkEventFormat.HecEvents"/>) or the
/// record wrapped as <c>{"event": ...}</c> (<see cref="SplunkEventFormat.WrapEachRecord"/>), one per line. The request
/// knows which record each event came from, so an event HEC refuses fails its own record only.
/// </summary>
internal sealed class SplunkRequest : IDisposable
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly int[] _firstEvents;
    private readonly int _events;

    private SplunkRequest(IReadOnlyList<int> records, int[] firstEvents, int events, RecyclableMemoryStream body)
    {
        Records = records;
        _firstEvents = firstEvents;
        _events = events;
        Body = body;
    }

    /// <summary>Indexes into the batch's records of the records in this request, in order.</summary>
    public IReadOnlyList<int> Records { get; }

    /// <summary>The encoded body; rewound before each attempt.</summary>
    public RecyclableMemoryStream Body { get; }

    /// <summary>Encodes records <paramref name="records"/> of the batch, which <see cref="SplunkRecords.Check"/> accepted as <paramref name="events"/> events each.</summary>
    public static SplunkRequest Encode(
        DeliveryBatch batch, IReadOnlyList<int> records, IReadOnlyList<int> events, HecEndpointType type, SplunkEventFormat format, RecyclableMemoryStreamManager streams)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(streams);
        RecyclableMemoryStream body = streams.GetStream("SplunkRequest");
        try
        {
            var firstEvents = new int[records.Count];
            int next = 0;
            bool wrap = type == HecEndpointType.Event && format == SplunkEventFormat.WrapEachRecord;
            for (int i = 0; i < records.Count; i++)
            {
                firstEvents[i] = next;
                next += events[i];
                ReadOnlySpan<byte> data = batch.Records[records[i]].Data.Span;
                if (wrap)
                {
                    WriteWrapped(body, data);
                }
                else
                {
                    body.Write(data);
                }

                if (wrap || data.Length == 0 || data[^1] != (byte)'\n')
                {
                    body.WriteByte((byte)'\n');
                }
            }

            body.Position = 0;
            return new SplunkRequest(records, firstEvents, next, body);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The index into the batch of the record that holds event <paramref name="eventNumber"/> (0-based, as HEC counts), or -1.</summary>
    public int RecordOfEvent(int eventNumber)
    {
        if (eventNumber < 0 || eventNumber >= _events)
        {
            return -1;
        }

        // Every record in a request holds at least one event, so first events rise strictly: an event that is no
        // record's first belongs to the record whose first event comes before it.
        int found = Array.BinarySearch(_firstEvents, eventNumber);
        return Records[found >= 0 ? found : ~found - 1];
    }

    public void Dispose() => Body.Dispose();

    // {"event": <the record's JSON value>} or {"event": "<the record as a string>"}.
    private static void WriteWrapped(Stream body, ReadOnlySpan<byte> data)
    {
        body.Write("{\"event\":"u8);
        if (SplunkRecords.IsSingleJsonValue(data))
        {
            body.Write(data.Trim(" \t\r\n"u8));
        }
        else
        {
            using var json = new Utf8JsonWriter(body, Relaxed);
            json.WriteStringValue(data);
            json.Flush();
        }

        body.WriteByte((byte)'}');
    }
}
