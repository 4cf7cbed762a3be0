namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// How large each column's buffers had grown by the end of the formatter's previous file, so the next file's buffers
/// are rented at that size rather than grown from a few KiB by doubling (a worker's files are alike: the copies were
/// 2 % of the encoder's CPU on the benchmark's records). Only sizes are kept, never arrays: between files the memory
/// is the pool's, as before. Formatters may write files concurrently; a hint lost to a race only costs a regrowth.
/// </summary>
internal sealed class BufferSizeHints(int leaves)
{
    /// <summary>A hint never asks for more than this many bytes up front; a chunk larger than that still grows to fit.</summary>
    public const int MaxHintBytes = 8 * 1024 * 1024;

    private const int Kinds = 9;

    private readonly int[] _sizes = new int[leaves * Kinds];

    /// <summary>The buffers of a column that grow with its data.</summary>
    public enum BufferKind
    {
        Plain,
        Body,
        Pages,
        Repetitions,
        Definitions,
        Indices,
        DictionarySlots,
        DictionaryEntries,
        DictionaryPlain,
    }

    /// <summary>The size to rent for <paramref name="kind"/> of leaf <paramref name="leaf"/>, in elements: at least <paramref name="minimum"/>.</summary>
    public int Get(int leaf, BufferKind kind, int minimum) => Math.Max(minimum, Volatile.Read(ref _sizes[Index(leaf, kind)]));

    /// <summary>Remembers the size <paramref name="kind"/> of leaf <paramref name="leaf"/> reached, capped at <paramref name="maximum"/> elements.</summary>
    public void Set(int leaf, BufferKind kind, int size, int maximum) => Volatile.Write(ref _sizes[Index(leaf, kind)], Math.Min(size, maximum));

    private static int Index(int leaf, BufferKind kind) => (leaf * Kinds) + (int)kind;
}
