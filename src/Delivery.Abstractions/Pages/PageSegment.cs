namespace Delivery.Pages;

/// <summary>Records <see cref="Start"/> to <see cref="Start"/> + <see cref="Count"/> of a page, in shard order.</summary>
public readonly record struct PageSegment(RecordPage Page, int Start, int Count)
{
    /// <summary>The segment's first <paramref name="count"/> records.</summary>
    public PageSegment Take(int count) => this with { Count = count };

    /// <summary>The segment without its first <paramref name="count"/> records.</summary>
    public PageSegment Skip(int count) => this with { Start = Start + count, Count = Count - count };

    public SourceRecord this[int index] => Page.RecordAt(Start + index);
}

/// <summary>The records of several page segments, one after the other, as a list.</summary>
internal sealed class SegmentedRecords : IReadOnlyList<SourceRecord>
{
    private readonly PageSegment[] _segments;

    // _ends[i]: records in segments 0..i.
    private readonly int[] _ends;

    private int _lastSegment;

    public SegmentedRecords(PageSegment[] segments)
    {
        _segments = segments;
        _ends = new int[segments.Length];
        int total = 0;
        for (int i = 0; i < segments.Length; i++)
        {
            total += segments[i].Count;
            _ends[i] = total;
        }

        Count = total;
    }

    public int Count { get; }

    /// <summary>The segments, in order.</summary>
    internal ReadOnlySpan<PageSegment> Segments => _segments;

    public SourceRecord this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The batch has {Count} records.");
            }

            // Records are mostly read in order, so the segment of the last read is tried first: a binary search per
            // record was 1.6 % of a 100 B plugin pipeline's CPU. The hint is only a guess, checked before use, so
            // threads that race on it cost each other a search, never a wrong record.
            int segment = _lastSegment;
            int before = segment == 0 ? 0 : _ends[segment - 1];
            if (index < before || index >= _ends[segment])
            {
                segment = Array.BinarySearch(_ends, index + 1);
                segment = segment >= 0 ? segment : ~segment;
                before = segment == 0 ? 0 : _ends[segment - 1];
                _lastSegment = segment;
            }

            return _segments[segment][index - before];
        }
    }

    public IEnumerator<SourceRecord> GetEnumerator()
    {
        foreach (PageSegment segment in _segments)
        {
            for (int i = 0; i < segment.Count; i++)
            {
                yield return segment[i];
            }
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
