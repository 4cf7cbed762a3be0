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
    private readonly PartLocator _locator;

    public SegmentedRecords(PageSegment[] segments)
    {
        _segments = segments;
        _locator = PartLocator.Of(segments, static segment => segment.Count);
    }

    public int Count => _locator.Count;

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

            int segment = _locator.Locate(index, out int offset);
            return _segments[segment][offset];
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
