using Microsoft.Extensions.Time.Testing;

namespace Delivery.Testing;

/// <summary>What the tests need from a fake clock beyond Microsoft's <see cref="FakeTimeProvider"/>.</summary>
public static class FakeTimeProviderExtensions
{
    /// <summary>
    /// Moves the clock <paramref name="step"/> at a time until <paramref name="done"/> holds or <paramref name="maxSteps"/>
    /// steps are made, pausing briefly for real before each step so that what the last one woke (a retry, a delivery)
    /// can run first.
    /// </summary>
    public static async Task AdvanceUntilAsync(this FakeTimeProvider time, Func<bool> done, TimeSpan step, int maxSteps = 200)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(done);
        for (int i = 0; i < maxSteps && !done(); i++)
        {
            await Task.Delay(10);
            time.Advance(step);
        }
    }
}
