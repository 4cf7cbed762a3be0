namespace Delivery.Pipeline.Buffering;

/// <summary>
/// The records of one shard waiting to become a batch, and the rules for where batches are cut: at the size hint, on
/// demand (interval, memory pressure, drain), and, first of all, at the cut points a previous owner planned and did not
/// checkpoint. Reusing those points makes a batch re-delivered after a crash identical to the one written before it.
/// </summary>
/// <remarks>Not thread-safe; the owning shard session serialises access.</remarks>
public sealed class ShardBuffer
{
    private readonly string _deliveryStreamName;
    private readonly string _streamName;
    private readonly string _shardId;
    private readonly long _sizeLimitBytes;
    private readonly Queue<PlannedBatch> _plannedCuts;
    private List<SourceRecord> _records = [];

    public ShardBuffer(string deliveryStreamName, string streamName, string shardId, long sizeLimitBytes, IEnumerable<PlannedBatch> plannedCuts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeLimitBytes, 1);
        _deliveryStreamName = deliveryStreamName;
        _streamName = streamName;
        _shardId = shardId;
        _sizeLimitBytes = sizeLimitBytes;
        _plannedCuts = new Queue<PlannedBatch>(plannedCuts);
    }

    public int Count => _records.Count;

    public long Bytes { get; private set; }

    public bool IsEmpty => _records.Count == 0;

    /// <summary>The previous owner's cut points this buffer has not reached yet, in order.</summary>
    public IEnumerable<PlannedBatch> PlannedCuts => _plannedCuts;

    /// <summary>True while the buffer must cut at a previous owner's planned point and nowhere else.</summary>
    public bool IsReplayingPlannedCuts => _plannedCuts.Count > 0;

    /// <summary>Appends a record in shard order; adds to <paramref name="cuts"/> any batch this completes.</summary>
    public void Append(in SourceRecord record, List<DeliveryBatch> cuts)
    {
        if (_plannedCuts.TryPeek(out PlannedBatch planned) && record.Position > planned.Last)
        {
            // The planned batch's last record is gone (trimmed from the stream): what was planned up to here is all
            // there is of it, so cut it now and stop replaying plans that lie behind this record.
            if (!IsEmpty)
            {
                cuts.Add(Cut());
            }

            while (_plannedCuts.TryPeek(out planned) && record.Position > planned.Last)
            {
                _plannedCuts.Dequeue();
            }
        }

        _records.Add(record);
        Bytes += record.Data.Length;

        if (_plannedCuts.TryPeek(out planned))
        {
            if (record.Position == planned.Last)
            {
                _plannedCuts.Dequeue();
                cuts.Add(Cut());
            }
        }
        else if (Bytes >= _sizeLimitBytes)
        {
            cuts.Add(Cut());
        }
    }

    /// <summary>
    /// Cuts what is buffered now (interval reached, memory pressure, drain). Returns null when the buffer is empty or
    /// when a planned cut point has not been reached: cutting there would put records into a second, different object.
    /// </summary>
    public DeliveryBatch? TryCutNow() => IsEmpty || IsReplayingPlannedCuts ? null : Cut();

    /// <summary>Empties the buffer without delivering (lease lost); returns the bytes dropped.</summary>
    public long Discard()
    {
        long bytes = Bytes;
        _records = [];
        Bytes = 0;
        return bytes;
    }

    private DeliveryBatch Cut()
    {
        List<SourceRecord> records = _records;
        _records = [];
        Bytes = 0;
        var source = new BatchSource(_streamName, _shardId, records[0].Position, records[^1].Position);
        return new DeliveryBatch(_deliveryStreamName, source, records);
    }
}
