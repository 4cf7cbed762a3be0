namespace Delivery.Testing;

/// <summary>Waits for work running on other threads to reach a state; never used to measure time.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Polls an asynchronous condition (one that reads a table or a bucket) every <paramref name="interval"/>. On timeout
    /// the exception's message is <paramref name="describe"/>'s account of what was last seen, so it names what is missing.
    /// </summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> describe, TimeSpan timeout, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        using var limit = new CancellationTokenSource(timeout);
        while (!await condition().ConfigureAwait(false))
        {
            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s: {describe()}");
            }

            await Task.Delay(interval, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
