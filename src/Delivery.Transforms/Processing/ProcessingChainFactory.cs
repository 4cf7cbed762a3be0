using System.Globalization;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Http;
using Delivery.Transforms.Lambda;
using Delivery.Transforms.Plugins;
using Delivery.Transforms.Query;
using Microsoft.Extensions.Logging;

namespace Delivery.Transforms.Processing;

/// <summary>Builds a pipeline's <see cref="ProcessingChain"/> from validated options, loading plugins as it goes.</summary>
public static class ProcessingChainFactory
{
    /// <summary>
    /// Creates the stages in order. A plugin that cannot be loaded throws <see cref="PluginLoadException"/> naming the
    /// processor's key (<paramref name="keyPath"/>:Processors:i) and the reason; stages created before it are disposed.
    /// </summary>
    /// <param name="environment">The pipeline's ARNs and region.</param>
    /// <param name="options">The processing options; null or disabled makes an empty chain.</param>
    /// <param name="keyPath">The options' configuration key, for error messages, such as <c>Delivery:Pipelines:clicks:Processing</c>.</param>
    /// <param name="lambda">Returns the Lambda client; called only when a Lambda processor is configured.</param>
    /// <param name="timeProvider">Times invocations and backoff.</param>
    /// <param name="loggers">Creates each stage's logger.</param>
    public static async Task<ProcessingChain> CreateAsync(
        TransformEnvironment environment,
        ProcessingOptions? options,
        string keyPath,
        Func<ILambdaInvoker> lambda,
        TimeProvider timeProvider,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggers);
        var stages = new List<IProcessingStage>();
        IReadOnlyList<ProcessorOptions> processors = options is { Enabled: true } ? options.Processors : [];
        try
        {
            for (int i = 0; i < processors.Count; i++)
            {
                stages.Add(Create(processors[i], $"{keyPath}:Processors:{i}", i.ToString(CultureInfo.InvariantCulture), lambda, timeProvider, loggers));
            }
        }
        catch
        {
            await new ProcessingChain(stages, environment).DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new ProcessingChain(stages, environment);
    }

    private static IProcessingStage Create(ProcessorOptions processor, string keyPath, string stageId, Func<ILambdaInvoker> lambda, TimeProvider time, ILoggerFactory loggers)
    {
        InvocationSettings Invocations() => new()
        {
            BufferSizeBytes = processor.BufferSizeBytes,
            NumberOfRetries = processor.NumberOfRetries,
            Timeout = processor.Timeout,
            MaxConcurrentInvocations = processor.MaxConcurrentInvocations,
        };

        return processor.Type switch
        {
            ProcessorType.Lambda => new LambdaTransformStage(processor.LambdaArn!, stageId, Invocations(), lambda(), time, loggers.CreateLogger<LambdaTransformStage>()),
            ProcessorType.Http => new HttpTransformStage(processor.Url!, processor.Headers, processor.MaxResponseBytes, stageId, Invocations(), null, time, loggers.CreateLogger<HttpTransformStage>()),
            ProcessorType.Plugin => CreatePlugin(processor, keyPath, stageId, Invocations(), time, loggers),
            ProcessorType.RecordDeAggregation => new RecordDeAggregationStage(processor.SubRecordType!.Value, processor.DelimiterBytes),
            ProcessorType.Decompression => new DecompressionStage(),
            ProcessorType.CloudWatchLogProcessing => new CloudWatchLogsStage(processor.DataMessageExtraction ?? true),
            ProcessorType.MetadataExtraction => new MetadataExtractionStage(JqQuery.Parse(processor.MetadataExtractionQuery!)),
            ProcessorType.AppendDelimiterToRecord => new AppendDelimiterStage(processor.DelimiterBytes),
            _ => throw new ArgumentException($"{keyPath}:Type: '{processor.Type}' is not a processor type.", nameof(processor)),
        };
    }

    private static PluginTransformStage CreatePlugin(ProcessorOptions processor, string keyPath, string stageId, InvocationSettings settings, TimeProvider time, ILoggerFactory loggers)
    {
        LoadedPlugin plugin;
        try
        {
            plugin = PluginLoader.Load(processor.Directory!, processor.AssemblyFile, processor.TypeName, processor.Settings ?? new Dictionary<string, string>());
        }
        catch (PluginLoadException ex)
        {
            throw new PluginLoadException($"{keyPath}: {ex.Message}", ex);
        }

        ILogger<PluginTransformStage> logger = loggers.CreateLogger<PluginTransformStage>();
        Log.PluginLoaded(logger, plugin.TypeName, plugin.AssemblyPath);
        return new PluginTransformStage(plugin.Transform, "plugin:" + plugin.TypeName, stageId, settings, time, logger);
    }
}
