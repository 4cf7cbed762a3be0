using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// Runs the BenchmarkDotNet micro-benchmarks of the hot paths. They run in this process (no generated project to
/// build), which keeps them independent of the repository's build settings; pass BenchmarkDotNet's own options after
/// <c>micro</c>, such as <c>--filter *Encoding*</c> or <c>--job short</c>.
/// </summary>
/// <remarks>
/// Hot paths still to come, each as a class beside these when its capability lands: Parquet encoding (issue 5),
/// Snappy/Zip codecs (a further <see cref="EncodingBenchmarks.Codec"/> value), KPL de-aggregation (issue 3) and the
/// Firehose transform request/response encoding (issue 4).
/// </remarks>
public static class MicroBenchmarks
{
    public static void Run(string[] args)
    {
        // In process through the command line's own option: a default job in the config would become the base of every
        // job and silently override --job (short, medium, ...).
        string[] inProcess = args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase) ? args : [.. args, "--inProcess"];
        IConfig config = DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(inProcess, config);
    }
}
