using System.Collections;
using Delivery.Pages;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// The outputs of a stage's invocations read as one list, in order, without copying them: a copy of every record
/// (40 B each) was held for the whole batch. <see cref="PartLocator"/> finds the part of an index.
/// </summary>
internal sealed class ConcatenatedRecords : IReadOnlyList<ChainRecord>
{
    private readonly IReadOnlyList<ChainRecord>[] _parts;
    private readonly PartLocator _locator;

    private ConcatenatedRecords(IReadOnlyList<ChainRecord>[] parts)
    {
        _parts = parts;
        _locator = PartLocator.Of(parts, static part => part.Count);
    }

    public int Count => _locator.Count;

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

            int part = _locator.Locate(index, out int offset);
            return _parts[part][offset];
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
