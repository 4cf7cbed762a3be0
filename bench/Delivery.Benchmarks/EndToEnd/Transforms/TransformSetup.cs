using Delivery.Benchmarks.Data;
using Delivery.Destinations.S3;
using Delivery.Testing;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Http;
using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Plugins;
using Delivery.Transforms.Processing;
using Delivery.Transforms.Query;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.Benchmarks.EndToEnd.Transforms;

/// <summary>
/// The transform of one scenario, set up once per process: the HTTP receiver when there is one, and for each pipeline
/// the same stages the worker builds from configuration (<c>ProcessingChainFactory</c>, <c>DynamicPartitioner</c>,
/// <c>TransformingBatchWriter</c>) with the processors' defaults: 1 MB invocations, 4 at a time per batch.
/// </summary>
public sealed class TransformSetup : IAsyncDisposable
{
    /// <summary>The pipelines' region, account and name, as transform events carry them.</summary>
    public static readonly TransformEnvironment Environment = new("us-east-1", TransformEnvironment.UnknownAccountId, "bench");

    /// <summary>The processors' defaults (ProcessorOptions): what an operator who sets nothing gets.</summary>
    public static readonly InvocationSettings Invocations = new()
    {
        BufferSizeBytes = new ProcessorOptions().BufferSizeBytes,
        NumberOfRetries = 3,
        Timeout = TimeSpan.FromSeconds(60),
        MaxConcurrentInvocations = new ProcessorOptions().MaxConcurrentInvocations,
    };

    private readonly LocalHttpServer? _server;

    private TransformSetup(PipelineTransform kind, RecordShape shape, LocalHttpServer? server, Uri? url)
    {
        Kind = kind;
        Shape = shape;
        _server = server;
        Url = url;
    }

    public PipelineTransform Kind { get; }

    public RecordShape Shape { get; }

    /// <summary>Where the HTTP receiver listens (HTTP scenarios only).</summary>
    public Uri? Url { get; }

    /// <summary>The S3 prefix: one folder per partition when partitioning, as Firehose users write it.</summary>
    public string Prefix => Kind == PipelineTransform.Partitioning ? PartitionPrefix(Shape) : "";

    public static async Task<TransformSetup?> StartAsync(Scenario scenario)
    {
        switch (scenario.Transform)
        {
            case PipelineTransform.None:
                return null;
            case PipelineTransform.Http:
                (LocalHttpServer server, Uri url) = await TransformReceiver.StartAsync().ConfigureAwait(false);
                return new TransformSetup(scenario.Transform, scenario.Shape, server, url);
            default:
                return new TransformSetup(scenario.Transform, scenario.Shape, null, null);
        }
    }

    /// <summary>
    /// The metadata-extraction query of the partitioning scenarios: two fields of the record, about 30 partitions
    /// (10 countries x 3 devices for clickstream; 8 services x 4 levels for logs; 8 services for traces, all ERROR).
    /// </summary>
    public static string PartitionQuery(RecordShape shape) => shape switch
    {
        RecordShape.Log100 => "{service: .svc, level: .lvl}",
        RecordShape.Click600 => "{country: .geo.country, device: .device}",
        _ => "{service: .service, level: .level}",
    };

    public static string PartitionPrefix(RecordShape shape) => shape switch
    {
        RecordShape.Click600 => "country=!{partitionKeyFromQuery:country}/device=!{partitionKeyFromQuery:device}/",
        _ => "service=!{partitionKeyFromQuery:service}/level=!{partitionKeyFromQuery:level}/",
    };

    /// <summary>The processing writer in front of <paramref name="destination"/>, as the worker wires it.</summary>
    public TransformingBatchWriter Wrap(IBatchWriter destination)
    {
        if (Kind == PipelineTransform.Partitioning)
        {
            return Partitioned(PartitionQuery(Shape), Prefix, destination);
        }

        IProcessingStage stage = Kind switch
        {
            PipelineTransform.Plugin => new PluginTransformStage(new AddFieldTransform(), "plugin:" + typeof(AddFieldTransform).FullName, "0", Invocations, TimeProvider.System, NullLogger<PluginTransformStage>.Instance),
            PipelineTransform.Http => new HttpTransformStage(Url!, null, new ProcessorOptions().MaxResponseBytes, "0", Invocations, null, TimeProvider.System, NullLogger<HttpTransformStage>.Instance),
            _ => throw new InvalidOperationException($"No stage for {Kind}."),
        };
        return new TransformingBatchWriter(new ProcessingChain([stage], Environment), null, destination, NullLogger<TransformingBatchWriter>.Instance);
    }

    /// <summary>
    /// Dynamic partitioning as the worker wires it: a metadata-extraction <paramref name="query"/>, and one object per
    /// value of the keys <paramref name="prefix"/> names, in front of <paramref name="destination"/>.
    /// </summary>
    public static TransformingBatchWriter Partitioned(string query, string prefix, IBatchWriter destination)
    {
        (IReadOnlyList<string> queryKeys, IReadOnlyList<string> lambdaKeys) = S3ObjectKeyBuilder.PartitionKeysIn(prefix);
        var partitioner = new DynamicPartitioner(new PartitioningSettings { QueryKeys = queryKeys, LambdaKeys = lambdaKeys });
        var stage = new MetadataExtractionStage(JqQuery.Parse(query));
        return new TransformingBatchWriter(new ProcessingChain([stage], Environment), partitioner, destination, NullLogger<TransformingBatchWriter>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
