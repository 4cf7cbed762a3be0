namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// Lets <c>perf record --control fifo:CTL,ACK -D -1</c> sample only a scenario's measured window, not its start-up,
/// warm-up and JIT: with <c>DELIVERY_BENCH_PERF_CTL</c> (and optionally <c>DELIVERY_BENCH_PERF_ACK</c>) set to those
/// fifos, the window named by <c>DELIVERY_BENCH_PERF_WINDOW</c> (<c>pipeline</c>, the default, or <c>floor</c>) sends
/// <c>enable</c> when it starts and <c>disable</c> when it ends. Without the variables it does nothing.
/// </summary>
public sealed class ProfilerWindow : IDisposable
{
    private static readonly string? Control = Environment.GetEnvironmentVariable("DELIVERY_BENCH_PERF_CTL");
    private static readonly string? Acknowledge = Environment.GetEnvironmentVariable("DELIVERY_BENCH_PERF_ACK");
    private static readonly string Window = Environment.GetEnvironmentVariable("DELIVERY_BENCH_PERF_WINDOW") ?? "pipeline";

    private bool _open;

    private ProfilerWindow(bool open)
    {
        _open = open;
        if (open)
        {
            Send("enable");
        }
    }

    /// <summary>Starts sampling when <paramref name="window"/> is the one asked for; disposing stops it.</summary>
    public static ProfilerWindow Open(string window) => new(Control is not null && string.Equals(window, Window, StringComparison.OrdinalIgnoreCase));

    public void Dispose()
    {
        if (_open)
        {
            _open = false;
            Send("disable");
        }
    }

    private static void Send(string command)
    {
        File.WriteAllText(Control!, command + "\n");
        if (Acknowledge is not null)
        {
            // perf answers "ack" once the events are switched, so the window starts no earlier than the samples.
            using var ack = new StreamReader(Acknowledge);
            _ = ack.ReadLine();
        }
    }
}
