using System.Collections;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>One invocation's records as a range of the stage's input, which is not changed while the stage runs.</summary>
internal sealed class RecordRange(IReadOnlyList<ChainRecord> records, int start, int count) : IReadOnlyList<ChainRecord>
{
    public int Count => count;

    public IReadOnlyList<ChainRecord> Source => records;

    public int Start => start;

    public ChainRecord this[int index] => (uint)index < (uint)count ? records[start + index] : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<ChainRecord> GetEnumerator()
    {
        for (int i = 0; i < count; i++)
        {
            yield return records[start + i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
