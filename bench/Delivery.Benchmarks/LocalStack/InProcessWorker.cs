using System.Globalization;
using Amazon.Runtime;
using Delivery.Testing;
using Delivery.Worker.Configuration;
using Delivery.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Delivery.Benchmarks.LocalStack;

/// <summary>
/// The real worker (configuration loading and validation, leases in DynamoDB, shard readers, pipeline, S3 writer) hosted
/// in this process against the local stack, so its log events can be timed without polling S3.
/// </summary>
public sealed class InProcessWorker : IAsyncDisposable
{
    public const string Pipeline = "bench";
    private readonly IHost _host;

    private InProcessWorker(IHost host, WorkerEvents events)
    {
        _host = host;
        Events = events;
    }

    public WorkerEvents Events { get; }

    public static async Task<InProcessWorker> StartAsync(LocalAwsStack stack, string stream, string bucket, int intervalSeconds, int sizeMiB)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Delivery:Aws:Region"] = stack.Region,
            ["Delivery:Health:Port"] = "0",

            // The figures come from the worker's log events; metric lines on stdout would only interleave with the tables.
            ["Delivery:Telemetry:Emf:Enabled"] = "false",
            ["Delivery:Aws:ServiceUrls:Kinesis"] = stack.KinesisEndpoint.ToString(),
            ["Delivery:Aws:ServiceUrls:DynamoDb"] = stack.DynamoDbEndpoint.ToString(),
            ["Delivery:Aws:ServiceUrls:S3"] = stack.S3Endpoint.ToString(),
            [$"Delivery:Pipelines:{Pipeline}:Kinesis:StreamName"] = stream,
            [$"Delivery:Pipelines:{Pipeline}:Kinesis:Leases:TableName"] = stream + "-leases",
            [$"Delivery:Pipelines:{Pipeline}:Kinesis:Reading:IdleMillisBetweenReads"] = "200",
            [$"Delivery:Pipelines:{Pipeline}:Buffering:SizeInMBs"] = sizeMiB.ToString(CultureInfo.InvariantCulture),
            [$"Delivery:Pipelines:{Pipeline}:Buffering:IntervalInSeconds"] = intervalSeconds.ToString(CultureInfo.InvariantCulture),
            [$"Delivery:Pipelines:{Pipeline}:S3:BucketName"] = bucket,
        };
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        DeliveryOptions options = DeliveryOptionsLoader.Load(configuration);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var events = new WorkerEvents();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(events);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Delivery", LogLevel.Debug);
        builder.Services.AddSingleton<AWSCredentials>(stack.Credentials);
        builder.Services.AddDeliveryWorker(options);
        IHost host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return new InProcessWorker(host, events);
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(grace.Token).ConfigureAwait(false);
        _host.Dispose();
    }
}
