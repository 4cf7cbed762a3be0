using System.Globalization;
using System.Runtime.InteropServices;

namespace Delivery.Benchmarks.Reporting;

/// <summary>What the figures were taken on, and how busy the machine was: a figure without it cannot be compared.</summary>
public static class Machine
{
    public static string Describe()
    {
        string cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string memory = ReadFirst("/proc/meminfo", "MemTotal") is { } kb
            ? (long.Parse(kb.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture) / 1024.0 / 1024).ToString("F0", CultureInfo.InvariantCulture) + " GiB"
            : "?";
        return $"{cpu}, {Environment.ProcessorCount} cores, {memory}; {RuntimeInformation.OSDescription}; .NET {Environment.Version}; load average {LoadAverage()}";
    }

    /// <summary>The 1-minute load average; above the core count, other processes were competing for the CPU.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>
    /// True when more runnable threads than cores competed for the CPU (1-minute load average). Wall-clock throughput
    /// then measures the neighbours; CPU time per record still measures the work.
    /// </summary>
    public static bool IsBusy() =>
        double.TryParse(LoadAverage(), NumberStyles.Float, CultureInfo.InvariantCulture, out double load) && load > Environment.ProcessorCount + 0.5;

    private static string? ReadFirst(string file, string key)
    {
        try
        {
            string? line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
