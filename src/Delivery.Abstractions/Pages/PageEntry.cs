using System.Runtime.InteropServices;

namespace Delivery.Pages;

/// <summary>
/// Where one record of a page lies in the page's bytes, and what else it carries. Offsets are into the page's byte
/// block; a <see cref="DataOffset"/> of -1 marks data held outside the page (a record built on the heap).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PageEntry
{
    public int DataOffset;
    public int DataLength;
    public int SequenceOffset;
    public int SequenceLength;
    public int KeyOffset;
    public int KeyLength;
    public long SubSequenceNumber;
    public long ArrivalTicks;
}

/// <summary>The memory budget pages and processed records are charged to.</summary>
public interface IMemoryAccount
{
    /// <summary>Takes <paramref name="bytes"/> at once, whether or not they fit: they are in memory already.</summary>
    void Charge(long bytes);

    /// <summary>Gives <paramref name="bytes"/> back to the account.</summary>
    void Release(long bytes);
}
