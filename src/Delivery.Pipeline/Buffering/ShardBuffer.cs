using Delivery.Pages;

namespace Delivery.Pipeline.Buffering;

/// <summary>
/// The records of one shard waiting to become a batch, and the rules for where batches are cut: at the size hint, on
/// demand (interval, memory pressure, drain), and, first of all, at the cut points a previous owner planned and did not
/// checkpoint. Reusing those points makes a batch re-delivered after a crash identical to the one written before it.
/// </summary>
/// <remarks>
/// The buffer holds page segments, not records: one reference on each page it holds records of (see
/// <see cref="RecordPage"/>). A cut hands the segments, with their references, to the batch; a discard gives them back.
/// Not thread-safe; the owning shard session serialises access.
/// </remarks>
public sealed class ShardBuffer
{
    private readonly string _deliveryStreamName;
    private readonly string _streamName;
    private readonly string _shardId;
    private readonly long _sizeLimitBytes;
    private Queue<PlannedBatch> _plannedCuts;
    private readonly List<PageSegment> _segments = [];

    public ShardBuffer(string deliveryStreamName, string streamName, string shardId, long sizeLimitBytes, IEnumerable<PlannedBatch> plannedCuts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeLimitBytes, 1);
        _deliveryStreamName = deliveryStreamName;
        _streamName = streamName;
        _shardId = shardId;
        _sizeLimitBytes = sizeLimitBytes;
        _plannedCuts = new Queue<PlannedBatch>(plannedCuts);
    }

    public int Count { get; private set; }

    public long Bytes { get; private set; }

    public bool IsEmpty => Count == 0;

    /// <summary>The previous owner's cut points this buffer has not reached yet, in order.</summary>
    public IEnumerable<PlannedBatch> PlannedCuts => _plannedCuts;

    /// <summary>
    /// Replaces each planned piece not reached yet by what <paramref name="resolve"/> makes of it: a plan's piece becomes
    /// a cut of its own range when the plan was aborted, or is marked done when it is written (decision 0014).
    /// </summary>
    public void ResolvePlannedCuts(Func<PlannedBatch, PlannedBatch> resolve)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        _plannedCuts = new Queue<PlannedBatch>(_plannedCuts.Select(resolve));
    }

    /// <summary>True while the buffer must cut at a previous owner's planned point and nowhere else.</summary>
    public bool IsReplayingPlannedCuts => _plannedCuts.Count > 0;

    /// <summary>
    /// Appends the records of <paramref name="page"/> from <paramref name="start"/> on, in shard order, adding to
    /// <paramref name="cuts"/> any batch this completes. The buffer takes its own references on the page; the caller
    /// keeps its own. Outside planned cuts, the records between two cuts are taken as one block: this is the per-record
    /// hot path of the pipeline, and it touches only the records' lengths.
    /// </summary>
    public void Append(RecordPage page, int start, List<DeliveryBatch> cuts)
    {
        ArgumentNullException.ThrowIfNull(page);
        int i = start;
        List<ReplayStep>? steps = null;
        while (i < page.Count)
        {
            if (_plannedCuts.Count > 0)
            {
                steps ??= [];
                AppendReplayed(page, i, steps);
                foreach (ReplayStep step in steps)
                {
                    cuts.Add(step.Batch ?? throw new InvalidOperationException("A range planned into a plan's object is replayed with AppendReplay."));
                }

                steps.Clear();
                i++;
                continue;
            }

            int end = i;
            long bytes = Bytes;
            while (end < page.Count && bytes < _sizeLimitBytes)
            {
                bytes += page.DataLengthAt(end);
                end++;
            }

            Add(page, i, end - i);
            Bytes = bytes;
            i = end;
            if (Bytes >= _sizeLimitBytes)
            {
                cuts.Add(Cut());
            }
        }
    }

    /// <summary>
    /// Appends records of <paramref name="page"/> from <paramref name="start"/> on while planned pieces remain, and
    /// returns the index of the first record it did not take (the page's count when it took them all). Each piece
    /// reached is added to <paramref name="steps"/> in shard order: a batch cut at a planned point, or a range that
    /// belongs to a plan's object (it has a <see cref="PlannedBatch.PlanId"/>), whose records are passed over.
    /// </summary>
    public int AppendReplay(RecordPage page, int start, List<ReplayStep> steps)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(steps);
        int i = start;
        while (i < page.Count && _plannedCuts.Count > 0)
        {
            AppendReplayed(page, i, steps);
            i++;
        }

        return i;
    }

    /// <summary>
    /// Cuts what is buffered now (interval reached, memory pressure, drain). Returns null when the buffer is empty or
    /// when a planned cut point has not been reached: cutting there would put records into a second, different object.
    /// </summary>
    public DeliveryBatch? TryCutNow() => IsEmpty || IsReplayingPlannedCuts ? null : Cut();

    /// <summary>Empties the buffer without delivering (lease lost, drain cut short): its page references go back.</summary>
    public void Discard()
    {
        foreach (PageSegment segment in _segments)
        {
            segment.Page.Release();
        }

        _segments.Clear();
        Count = 0;
        Bytes = 0;
    }

    /// <summary>One record while a previous owner's planned cuts are replayed: the batch ends exactly where it ended then.</summary>
    private void AppendReplayed(RecordPage page, int index, List<ReplayStep> steps)
    {
        SourceRecord record = page.Records[index];
        if (_plannedCuts.TryPeek(out PlannedBatch planned) && record.ComparePosition(planned.Last) > 0)
        {
            // The planned batch's last record is gone (trimmed from the stream): what was planned up to here is all
            // there is of it, so cut it now and pass the plans that lie behind this record.
            CutBeforePiece(steps);
            while (_plannedCuts.TryPeek(out planned) && record.ComparePosition(planned.Last) > 0)
            {
                _plannedCuts.Dequeue();
                if (planned.PlanId is not null)
                {
                    steps.Add(new ReplayStep(null, planned));
                }
            }
        }

        if (_plannedCuts.TryPeek(out planned) && planned.PlanId is not null && record.ComparePosition(planned.First) >= 0)
        {
            // In a plan's object: not buffered. Records before the range (none, unless the lease was edited) were cut
            // into a batch of their own first, so the pieces stay in shard order.
            CutBeforePiece(steps);
            if (record.ComparePosition(planned.Last) == 0)
            {
                _plannedCuts.Dequeue();
                steps.Add(new ReplayStep(null, planned));
            }

            return;
        }

        Add(page, index, 1);
        Bytes += record.Data.Length;
        if (_plannedCuts.TryPeek(out planned))
        {
            if (planned.PlanId is null && record.ComparePosition(planned.Last) == 0)
            {
                _plannedCuts.Dequeue();
                steps.Add(new ReplayStep(Cut(), planned));
            }
        }
        else if (Bytes >= _sizeLimitBytes)
        {
            DeliveryBatch batch = Cut();
            steps.Add(new ReplayStep(batch, new PlannedBatch(batch.Source.First, batch.Source.Last)));
        }
    }

    private void CutBeforePiece(List<ReplayStep> steps)
    {
        if (!IsEmpty)
        {
            DeliveryBatch batch = Cut();
            steps.Add(new ReplayStep(batch, new PlannedBatch(batch.Source.First, batch.Source.Last)));
        }
    }

    /// <summary>Adds records to the buffer: they extend its last segment when they follow it in the same page.</summary>
    private void Add(RecordPage page, int start, int count)
    {
        if (count == 0)
        {
            return;
        }

        Count += count;
        if (_segments.Count > 0 && _segments[^1] is { } last && ReferenceEquals(last.Page, page) && last.Start + last.Count == start)
        {
            _segments[^1] = last with { Count = last.Count + count };
            return;
        }

        page.Retain();
        _segments.Add(new PageSegment(page, start, count));
    }

    private DeliveryBatch Cut()
    {
        PageSegment[] segments = [.. _segments];
        _segments.Clear();
        Count = 0;
        Bytes = 0;
        PageSegment first = segments[0];
        PageSegment last = segments[^1];
        var source = new BatchSource(_streamName, _shardId, first[0].Position, last[last.Count - 1].Position);
        return new DeliveryBatch(_deliveryStreamName, source, segments);
    }
}

/// <summary>
/// A planned piece reached while replaying: <see cref="Batch"/> cut at its planned point, or, for a piece of a plan's
/// object, no batch: its records were passed over.
/// </summary>
public readonly record struct ReplayStep(DeliveryBatch? Batch, PlannedBatch Piece);
