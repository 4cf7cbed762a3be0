using Amazon.Runtime;
using Delivery.Aws;
using Delivery.Aws.Credentials;
using Delivery.Transforms.Lambda;
using Delivery.Transforms.Partitioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Delivery.Transforms.Processing;

/// <summary>Wiring for record processing: the shared Lambda client, and one processing writer per pipeline.</summary>
public static class ProcessingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ILambdaInvoker"/> (a <see cref="LambdaInvokeClient"/> for <c>Delivery:Aws</c>'s region and
    /// <c>ServiceUrls:Lambda</c>, created on first use), unless the host registered one.
    /// </summary>
    public static IServiceCollection AddRecordProcessing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AWSCredentials>(static _ => AwsCredentialsResolver.ResolveDefault());
        services.TryAddSingleton<ILambdaInvoker>(static sp =>
        {
            AwsOptions aws = sp.GetService<IOptions<AwsOptions>>()?.Value ?? new AwsOptions();
            return LambdaInvokeClient.Create(
                new LambdaClientOptions { Region = aws.Region, ServiceUrl = aws.ServiceUrls.Lambda },
                sp.GetRequiredService<AWSCredentials>(),
                sp.GetRequiredService<TimeProvider>());
        });
        return services;
    }

    /// <summary>
    /// Puts a pipeline's processors and dynamic partitioning in front of <paramref name="destination"/>. Returns
    /// <paramref name="destination"/> itself when neither is configured, so a pipeline without them pays nothing.
    /// </summary>
    /// <param name="services">The container (time, logging, Lambda client).</param>
    /// <param name="environment">The pipeline's name, region and account, for transform events.</param>
    /// <param name="processing">Null when not configured.</param>
    /// <param name="partitioning">Null when not configured.</param>
    /// <param name="queryKeysInPrefix">The <c>partitionKeyFromQuery</c> names the S3 prefix uses.</param>
    /// <param name="lambdaKeysInPrefix">The <c>partitionKeyFromLambda</c> names the S3 prefix uses.</param>
    /// <param name="destination">The destination writer.</param>
    /// <param name="keyPath">The pipeline's configuration key, for errors, such as <c>Delivery:Pipelines:clicks</c>.</param>
    public static async Task<IBatchWriter> CreateProcessingWriterAsync(
        this IServiceProvider services,
        TransformEnvironment environment,
        ProcessingOptions? processing,
        DynamicPartitioningOptions? partitioning,
        IReadOnlyList<string> queryKeysInPrefix,
        IReadOnlyList<string> lambdaKeysInPrefix,
        IBatchWriter destination,
        string keyPath)
    {
        ArgumentNullException.ThrowIfNull(services);
        bool processes = processing is { Enabled: true, Processors.Count: > 0 };
        bool partitions = partitioning is { Enabled: true };
        if (!processes && !partitions)
        {
            return destination;
        }

        ILoggerFactory loggers = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        ProcessingChain chain = await ProcessingChainFactory.CreateAsync(
            environment,
            processing,
            keyPath + ":Processing",
            services.GetRequiredService<ILambdaInvoker>,
            services.GetRequiredService<TimeProvider>(),
            loggers).ConfigureAwait(false);
        DynamicPartitioner? partitioner = partitions
            ? new DynamicPartitioner(new PartitioningSettings { QueryKeys = queryKeysInPrefix, LambdaKeys = lambdaKeysInPrefix, MaxActivePartitions = partitioning!.MaxActivePartitions })
            : null;
        return new TransformingBatchWriter(chain, partitioner, destination, loggers.CreateLogger<TransformingBatchWriter>());
    }
}
