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

    // Records of the last batch cut at the size limit, or 0 after any other cut: a shard that keeps filling its buffer
    // gets a list of the right size at once instead of growing one (large-object-heap copies on every doubling), while a
    // shard that trickles in does not reserve room it will not use.
    private int _sizeCutCount;

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
            cuts.Add(Cut(atSizeLimit: true));
        }
    }

    /// <summary>
    /// Appends <paramref name="records"/> from <paramref name="start"/> on, in shard order, exactly as appending them one
    /// by one would, adding to <paramref name="cuts"/> any batch this completes. Outside planned cuts, records between
    /// two cuts are copied as one block: this is the per-record hot path of the pipeline.
    /// </summary>
    public void Append(IReadOnlyList<SourceRecord> records, int start, List<DeliveryBatch> cuts)
    {
        ArgumentNullException.ThrowIfNull(records);
        int i = start;
        while (i < records.Count)
        {
            if (_plannedCuts.Count > 0)
            {
                Append(records[i], cuts);
                i++;
                continue;
            }

            int end = i;
            long bytes = Bytes;
            while (end < records.Count && bytes < _sizeLimitBytes)
            {
                bytes += records[end].Data.Length;
                end++;
            }

            if (IsEmpty && _sizeCutCount > 0 && _records.Capacity < _sizeCutCount)
            {
                // Some headroom: a batch a few records longer than the last would otherwise double the list.
                _records.Capacity = _sizeCutCount + (_sizeCutCount / 16) + 16;
            }

            if (records is SourceRecord[] array)
            {
                _records.AddRange(array.AsSpan(i, end - i));
            }
            else
            {
                for (int j = i; j < end; j++)
                {
                    _records.Add(records[j]);
                }
            }

            Bytes = bytes;
            i = end;
            if (Bytes >= _sizeLimitBytes)
            {
                cuts.Add(Cut(atSizeLimit: true));
            }
        }
    }

    /// <summary>
    /// Cuts what is buffered now (interval reached, memory pressure, drain). Returns null when the buffer is empty or
    /// when a planned cut point has not been reached: cutting there would put records into a second, different object.
    /// </summary>
    public DeliveryBatch? TryCutNow() => IsEmpty || IsReplayingPlannedCuts ? null : Cut();

    /// <summary>
    /// Empties the buffer without delivering (lease lost); returns what the dropped records held of the memory budget
    /// (<see cref="SourceRecord.MemoryBytes"/>).
    /// </summary>
    public long Discard()
    {
        long memory = 0;
        foreach (SourceRecord record in _records)
        {
            memory += record.MemoryBytes;
        }

        _records = [];
        Bytes = 0;
        return memory;
    }

    private DeliveryBatch Cut(bool atSizeLimit = false)
    {
        List<SourceRecord> records = _records;
        _sizeCutCount = atSizeLimit ? records.Count : 0;
        _records = [];
        Bytes = 0;
        var source = new BatchSource(_streamName, _shardId, records[0].Position, records[^1].Position);
        return new DeliveryBatch(_deliveryStreamName, source, records);
    }
}
