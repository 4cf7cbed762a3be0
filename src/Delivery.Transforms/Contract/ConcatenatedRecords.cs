using System.Collections;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// The outputs of a stage's invocations read as one list, in order, without copying them: a copy of every record
/// (40 B each) was held for the whole batch. Reads are mostly in order, so the part of the previous read is tried
/// before a search; the hint is checked before use, so threads that race on it cost each other a search, never a
/// wrong record.
/// </summary>
internal sealed class ConcatenatedRecords : IReadOnlyList<ChainRecord>
{
    private readonly IReadOnlyList<ChainRecord>[] _parts;

    // _ends[i]: records in parts 0..i.
    private readonly int[] _ends;
    private int _lastPart;

    private ConcatenatedRecords(IReadOnlyList<ChainRecord>[] parts)
    {
        _parts = parts;
        _ends = new int[parts.Length];
        int total = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            total += parts[i].Count;
            _ends[i] = total;
        }

        Count = total;
    }

    public int Count { get; }

    /// <summary>The invocations' outputs, each with at least one record.</summary>
    public IReadOnlyList<IReadOnlyList<ChainRecord>> Parts => _parts;

    /// <summary>The records of <paramref name="parts"/> in order; a part itself when it is the only one with records.</summary>
    public static IReadOnlyList<ChainRecord> Of(IReadOnlyList<ChainRecord>[] parts)
    {
        IReadOnlyList<ChainRecord>[] nonEmpty = [.. parts.Where(part => part.Count > 0)];
        return nonEmpty.Length switch
        {
            0 => [],
            1 => nonEmpty[0],
            _ => new ConcatenatedRecords(nonEmpty),
        };
    }

    public ChainRecord this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {Count} records.");
            }

            int part = _lastPart;
            int before = part == 0 ? 0 : _ends[part - 1];
            if (index < before || index >= _ends[part])
            {
                part = Array.BinarySearch(_ends, index + 1);
                part = part >= 0 ? part : ~part;
                before = part == 0 ? 0 : _ends[part - 1];
                _lastPart = part;
            }

            return _parts[part][index - before];
        }
    }

    public IEnumerator<ChainRecord> GetEnumerator()
    {
        foreach (IReadOnlyList<ChainRecord> part in _parts)
        {
            foreach (ChainRecord record in part)
            {
                yield return record;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
