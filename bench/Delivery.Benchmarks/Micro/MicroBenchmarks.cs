using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// Runs the BenchmarkDotNet micro-benchmarks of the hot paths. They run in this process (no generated project to
/// build), which keeps them independent of the repository's build settings; pass BenchmarkDotNet's own options after
/// <c>micro</c>, such as <c>--filter *Encoding*</c> or <c>--job short</c>.
/// </summary>
/// <remarks>
/// One class per hot path, each a <c>--filter</c> of its own: <c>*ShardBuffer*</c> (append and cut),
/// <c>*PipelineAssembly*</c> (the pipeline without a codec), <c>*Encoding*</c> (NDJSON, every S3 codec alone and the S3
/// writer; <see cref="EncodingBenchmarks.Codec"/> names the codecs), <c>*Parquet*</c> (our Parquet encoder with each
/// page codec), <c>*GetRecords*</c> (parsing a GetRecords response), <c>*KplDeaggregation*</c> (KPL aggregates against
/// plain records) and <c>*TransformContract*</c> (a transform's event and response). Those that read a known amount of
/// record data add an MB/s column (<see cref="ThroughputColumn"/>), so they compare across record sizes and with the
/// end-to-end figures.
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
