using System.Runtime.InteropServices;

namespace Delivery.Pages;

/// <summary>
/// The C allocator's handling of large blocks. glibc maps blocks above a threshold and unmaps them when freed, but by
/// default raises that threshold to the size of any mapped block freed, after which blocks of that size come from its
/// heap and stay in the process when freed. Page blocks are exactly such blocks, so the threshold is fixed.
/// </summary>
internal static partial class MallocOptions
{
    // mallopt's parameter number for M_MMAP_THRESHOLD in glibc's malloc.h.
    private const int MmapThreshold = -3;

    /// <summary>Blocks of <paramref name="bytes"/> or more are mapped and unmapped (glibc on Linux; elsewhere nothing).</summary>
    public static void MapLargeBlocks(int bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = Mallopt(MmapThreshold, bytes);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, for one): its allocator returns large blocks to the system by itself.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
