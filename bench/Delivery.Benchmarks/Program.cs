using System.Text.Json;
using System.Text.Json.Serialization;
using Delivery.Benchmarks.EndToEnd;

namespace Delivery.Benchmarks;

internal static class Program
{
    public static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private static async Task<int> Main(string[] args)
    {
        string verb = args.Length > 0 ? args[0] : "help";
        string[] rest = args.Length > 0 ? args[1..] : [];
        switch (verb)
        {
            case "scenario":
                // One measurement in this process; the orchestrator reads the last stdout line.
                ScenarioResult result = await ScenarioRunner.RunAsync(ScenarioArguments.Parse(rest), Console.Error).ConfigureAwait(false);
                Console.WriteLine(JsonSerializer.Serialize(result, Json));
                return 0;
            case "e2e":
                return await EndToEndCommand.RunAsync(rest, Console.Out).ConfigureAwait(false);
            case "local":
                return await LocalStack.LocalStackCommand.RunAsync(rest, Console.Out).ConfigureAwait(false);
            case "parquet":
                return await ParquetReference.ParquetCommand.RunAsync(rest, Console.Out).ConfigureAwait(false);
            case "parquet-run":
                // One side of the parquet comparison, in a process of its own; the orchestrator reads the last stdout line.
                return ParquetReference.EncoderRun.Run(rest);
            case "parquet-net":
                return await ParquetNet.ParquetNetCommand.RunAsync(rest, Console.Out).ConfigureAwait(false);
            case "micro":
                Micro.MicroBenchmarks.Run(rest);
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: Delivery.Benchmarks e2e [--quick] | local [--quick] | parquet [--inputs 600,100,nested] [--codecs snappy,gzip] [--runs N] | parquet-net [--records N] | micro [BenchmarkDotNet options] | scenario [options]").ConfigureAwait(false);
                return 2;
        }
    }
}
