using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Delivery.Aws.Credentials;
using Delivery.Destinations.S3;
using Delivery.DirectPut;
using Delivery.Kinesis.Client;
using Delivery.Pages;
using Delivery.Pipeline.Memory;
using Delivery.Transforms.Processing;
using Delivery.Worker.Configuration;
using Delivery.Worker.Health;
using Delivery.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Delivery.Worker.Hosting;

/// <summary>Wires the worker from validated options. Registrations use TryAdd so tests and adapters can replace them.</summary>
public static class DeliveryServiceCollectionExtensions
{
    public static IServiceCollection AddDeliveryWorker(this IServiceCollection services, DeliveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddDeliveryDestinations(options);
        services.AddKinesisClient();
        services.TryAddSingleton<IAmazonDynamoDB>(sp =>
        {
            var config = new AmazonDynamoDBConfig { AuthenticationRegion = options.Aws.Region };
            if (options.Aws.ServiceUrls.DynamoDb is { } endpoint)
            {
                config.ServiceURL = endpoint.ToString();
            }
            else
            {
                config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Aws.Region);
            }

            return new AmazonDynamoDBClient(sp.GetRequiredService<AWSCredentials>(), config);
        });
        long budgetBytes = options.MemoryBudgetMiB * 1024L * 1024L;
        services.AddSingleton(new MemoryBudget(budgetBytes));

        // Freed page blocks kept for reuse sit outside the budget: a sixteenth of it, so the process stays within the
        // budget plus a fixed allowance whatever its size.
        PageMemory.MaxRetainedBytes = Math.Min(64L * 1024 * 1024, budgetBytes / 16);
        services.AddSingleton<DeliveryWorkerService>();

        // Hosted services start in this order and stop in the reverse one: metrics export and the health endpoints are
        // up before the pipelines start and stay up while they drain.
        services.AddDeliveryTelemetry(options.Telemetry);
        services.AddDeliveryHealth(options.Health);
        services.AddDeliveryLogging();
        services.AddHostedService(static sp => sp.GetRequiredService<DeliveryWorkerService>());

        // After the pipelines: Direct PUT starts once their streams are known to exist, and stops before they drain.
        if (options.DirectPut.Enabled)
        {
            services.AddDirectPut(options.DirectPut, DirectPutWiring.Streams(options), DirectPutWiring.Authenticator(options, Environment.GetEnvironmentVariable));
        }

        // The host's own timeout must outlast the drain, or it would cut the drain short.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownGracePeriod + TimeSpan.FromSeconds(5));
        return services;
    }

    /// <summary>
    /// What delivering needs without reading a stream: the options, clock, credentials, S3 client, record processing and
    /// every configured destination. The worker builds on it; <c>redrive</c> uses it alone, so a redriven record goes
    /// through exactly the processors and destination the worker would use.
    /// </summary>
    public static IServiceCollection AddDeliveryDestinations(this IServiceCollection services, DeliveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(Options.Create(options.Aws));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AWSCredentials>(static _ => AwsCredentialsResolver.ResolveDefault());
        services.TryAddSingleton<IAmazonS3>(sp => S3ClientFactory.Create(sp.GetRequiredService<AWSCredentials>(), options.Aws.Region, options.Aws.ServiceUrls.S3));
        services.AddRecordProcessing();
        services.AddDestinations(options);
        return services;
    }
}
