using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

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
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args, config);
    }
}
