namespace Delivery.Pages;

/// <summary>
/// The data of each record of a list, in order, as spans: what a formatter that copies every record reads. Over a
/// batch's page segments it reads each page's record table directly, with no view made per record; over any other list
/// it reads <see cref="SourceRecord.Data"/>. The spans are valid while the batch holds its pages.
/// </summary>
public readonly ref struct RecordDataSpans(IReadOnlyList<SourceRecord> records)
{
    public Enumerator GetEnumerator() => new(records);

    /// <summary>Walks the records' data.</summary>
    public ref struct Enumerator
    {
        private readonly IReadOnlyList<SourceRecord> _records;
        private readonly ReadOnlySpan<PageSegment> _segments;
        private readonly bool _segmented;
        private int _segment;
        private int _index;
        private int _end;
        private ReadOnlySpan<byte> _bytes;
        private ReadOnlySpan<PageEntry> _entries;
        private bool _direct;

        internal Enumerator(IReadOnlyList<SourceRecord> records)
        {
            ArgumentNullException.ThrowIfNull(records);
            _records = records;
            if (records is SegmentedRecords segmented)
            {
                _segments = segmented.Segments;
                _segmented = true;
                _segment = -1;
            }

            _index = -1;
        }

        public ReadOnlySpan<byte> Current { get; private set; }

        public bool MoveNext()
        {
            if (!_segmented)
            {
                if (++_index >= _records.Count)
                {
                    return false;
                }

                Current = _records[_index].Data.Span;
                return true;
            }

            while (++_index >= _end)
            {
                if (++_segment >= _segments.Length)
                {
                    return false;
                }

                PageSegment segment = _segments[_segment];
                _index = segment.Start - 1;
                _end = segment.Start + segment.Count;
                _direct = segment.Page.TryGetBlock(out _bytes, out _entries);
            }

            if (_direct)
            {
                PageEntry entry = _entries[_index];
                Current = _bytes.Slice(entry.DataOffset, entry.DataLength);
            }
            else
            {
                Current = _segments[_segment].Page.Records[_index].Data.Span;
            }

            return true;
        }
    }
}
