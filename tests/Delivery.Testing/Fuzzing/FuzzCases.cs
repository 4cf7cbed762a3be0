using System.Globalization;
using System.Runtime.CompilerServices;

namespace Delivery.Testing.Fuzzing;

/// <summary>
/// Runs a property over many generated cases, each from its own seeded <see cref="Random"/>, so a failure names the
/// seed that reproduces it. The seeds are fixed: the suite tests the same inputs on every run. Set
/// <c>DELIVERY_FUZZ_SEED</c> to run only the case with that seed (to debug it), or <c>DELIVERY_FUZZ_CASES</c> to run
/// more cases than the test asks for (to search further).
/// </summary>
public static class FuzzCases
{
    private const string SeedVariable = "DELIVERY_FUZZ_SEED";
    private const string CasesVariable = "DELIVERY_FUZZ_CASES";

    public static void Run(int cases, Action<Random> property, [CallerMemberName] string test = "")
    {
        ArgumentNullException.ThrowIfNull(property);
        foreach (int seed in Seeds(cases, test))
        {
            try
            {
                property(new Random(seed));
            }
            catch (Exception ex)
            {
                throw Failed(test, seed, ex);
            }
        }
    }

    public static async Task RunAsync(int cases, Func<Random, Task> property, [CallerMemberName] string test = "")
    {
        ArgumentNullException.ThrowIfNull(property);
        foreach (int seed in Seeds(cases, test))
        {
            try
            {
                await property(new Random(seed)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw Failed(test, seed, ex);
            }
        }
    }

    private static IEnumerable<int> Seeds(int cases, string test)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int only))
        {
            return [only];
        }

        if (int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int more) && more > cases)
        {
            cases = more;
        }

        // Each test has its own seeds, stable across runs and machines (string.GetHashCode is randomised per process).
        int first = StableHash(test);
        return Enumerable.Range(0, cases).Select(i => unchecked(first + (i * 7919)));
    }

    private static int StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return (int)(hash & 0x3FFFFFFF);
    }

    private static FuzzCaseException Failed(string test, int seed, Exception ex) =>
        new($"{test} failed for seed {seed.ToString(CultureInfo.InvariantCulture)}; run only that case with {SeedVariable}={seed.ToString(CultureInfo.InvariantCulture)}. {ex.GetType().Name}: {ex.Message}", ex);
}

/// <summary>A generated case broke the property; the message names its seed.</summary>
public sealed class FuzzCaseException : Exception
{
    public FuzzCaseException()
    {
    }

    public FuzzCaseException(string message)
        : base(message)
    {
    }

    public FuzzCaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
