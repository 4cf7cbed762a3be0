namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// Limits a profile to the measured run: when <c>DELIVERY_PERF_CONTROL</c> names the control FIFO of a
/// <c>perf record --control=fifo:PATH -D -1</c> (started with events disabled), the measured run enables the events
/// when it starts and disables them when it ends, so warm-up runs, page building and the floor stay out of the samples.
/// </summary>
public static class PerfWindow
{
    private static readonly string? Control = Environment.GetEnvironmentVariable("DELIVERY_PERF_CONTROL");

    public static void Enable() => Send("enable");

    public static void Disable() => Send("disable");

    private static void Send(string command)
    {
        if (Control is null)
        {
            return;
        }

        // perf reads one command a line; the FIFO is opened and closed for each, as perf expects of a writer.
        File.AppendAllText(Control, command + "\n");
    }
}
