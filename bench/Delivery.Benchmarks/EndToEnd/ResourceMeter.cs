using System.Diagnostics;
using System.Globalization;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// What a measured stretch of work cost the process: wall and CPU time, bytes allocated, collections, and the peak
/// resident set (Linux VmHWM, reset at the start so the peak is this stretch's own).
/// </summary>
public sealed class ResourceMeter
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _cpu;
    private readonly long _allocated;
    private readonly int[] _collections;
    private readonly TimeSpan _pause;
    private readonly TimeSpan _jit;
    private readonly long _jitMethods;

    private ResourceMeter(bool resetPeak)
    {
        if (resetPeak)
        {
            ResetPeakResidentSet();
        }

        BaselineResidentBytes = ReadStatus("VmRSS:");
        _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        _allocated = GC.GetTotalAllocatedBytes(precise: true);
        _collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        _pause = GC.GetTotalPauseDuration();
        _jit = System.Runtime.JitInfo.GetCompilationTime();
        _jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        _wall.Restart();
    }

    /// <summary>The resident set when the stretch started.</summary>
    public long BaselineResidentBytes { get; }

    /// <summary>Starts measuring; with <paramref name="resetPeak"/> false the peak resident set is the process's since the last reset.</summary>
    public static ResourceMeter Start(bool resetPeak = true) => new(resetPeak);

    public ResourceUse Stop()
    {
        double seconds = _wall.Elapsed.TotalSeconds;
        return new ResourceUse(
            seconds,
            (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds,
            GC.GetTotalAllocatedBytes(precise: true) - _allocated,
            GC.CollectionCount(0) - _collections[0],
            GC.CollectionCount(1) - _collections[1],
            GC.CollectionCount(2) - _collections[2],
            (GC.GetTotalPauseDuration() - _pause).TotalSeconds,
            ReadStatus("VmHWM:"),
            BaselineResidentBytes)
        {
            JitSeconds = (System.Runtime.JitInfo.GetCompilationTime() - _jit).TotalSeconds,
            JitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - _jitMethods,
        };
    }

    /// <summary>Makes VmHWM start again from the current resident set (Linux 4.0+); elsewhere the peak is the process's.</summary>
    public static void ResetPeakResidentSet()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A size field of /proc/self/status in bytes; the managed working set where there is none.</summary>
    public static long ReadStatus(string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    string kb = line[field.Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return field == "VmHWM:" ? Process.GetCurrentProcess().PeakWorkingSet64 : Environment.WorkingSet;
    }
}

/// <summary>See <see cref="ResourceMeter"/>.</summary>
public sealed record ResourceUse(
    double Seconds,
    double CpuSeconds,
    long AllocatedBytes,
    int Gen0,
    int Gen1,
    int Gen2,
    double GcPauseSeconds,
    long PeakResidentBytes,
    long BaselineResidentBytes)
{
    /// <summary>
    /// Time the JIT spent compiling in the stretch, on any thread (tier-up included): work a warmed-up process would
    /// not do, so a figure with much of it measures the warm-up rather than the code.
    /// </summary>
    public double JitSeconds { get; init; }

    /// <summary>Methods the JIT compiled in the stretch, at any tier.</summary>
    public long JitMethods { get; init; }
}
