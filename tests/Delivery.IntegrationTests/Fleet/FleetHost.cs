using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Delivery.Aws.Signing;
using Delivery.Destinations.S3;
using Delivery.Kinesis.Client;
using Delivery.Testing;
using Delivery.Worker.Configuration;
using Delivery.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Fleet;

/// <summary>
/// One worker, wired exactly as the executable wires it (<c>AddDeliveryWorker</c> over the loaded configuration), but
/// in the test process, with its own AWS clients sending through a <see cref="NetworkTap"/>. Several of them make a
/// fleet whose logs share one order.
/// </summary>
internal sealed class FleetHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private FleetHost(string name, IHost host, NetworkTap tap)
    {
        Name = name;
        _host = host;
        Tap = tap;
    }

    /// <summary>The configured worker id; the lease owner is this, a dash and a per-process suffix.</summary>
    public string Name { get; }

    public NetworkTap Tap { get; }

    public static async Task<FleetHost> StartAsync(string name, LocalAwsStack stack, IReadOnlyDictionary<string, string> settings, ILoggerProvider log, S3WriteLog s3Writes)
    {
        var tap = new NetworkTap(name, s3Writes);
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value)));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Delivery:WorkerId"] = name,
            ["Delivery:Aws:Region"] = stack.Region,
            ["Delivery:Aws:ServiceUrls:Kinesis"] = stack.KinesisEndpoint.ToString(),
            ["Delivery:Aws:ServiceUrls:DynamoDb"] = stack.DynamoDbEndpoint.ToString(),
            ["Delivery:Aws:ServiceUrls:S3"] = stack.S3Endpoint.ToString(),
        });
        DeliveryOptions options = DeliveryOptionsLoader.Load(builder.Configuration);
        builder.Logging.ClearProviders().AddProvider(log).SetMinimumLevel(LogLevel.Debug);

        AWSCredentials credentials = stack.Credentials;
        builder.Services.AddSingleton(credentials);
        builder.Services.AddSingleton<IAmazonDynamoDB>(new AmazonDynamoDBClient(credentials, new AmazonDynamoDBConfig
        {
            ServiceURL = stack.DynamoDbEndpoint.ToString(),
            AuthenticationRegion = stack.Region,
            HttpClientFactory = tap.SdkHttpClientFactory(),
        }));
        AmazonS3Config s3Config = S3ClientFactory.CreateConfig(stack.Region, stack.S3Endpoint);
        s3Config.HttpClientFactory = tap.SdkHttpClientFactory();
        builder.Services.AddSingleton<IAmazonS3>(new AmazonS3Client(credentials, s3Config));
        var signing = new SigV4SigningHandler(credentials, new SigV4Signer(stack.Region, KinesisClient.SigningName), TimeProvider.System, tap.Handler(new SocketsHttpHandler()));
        builder.Services.AddSingleton<IKinesisClient>(new KinesisClient(
            new HttpClient(signing) { Timeout = Timeout.InfiniteTimeSpan },
            new KinesisClientOptions { Region = stack.Region, ServiceUrl = stack.KinesisEndpoint },
            TimeProvider.System,
            NullLogger<KinesisClient>.Instance));
        builder.Services.AddDeliveryWorker(options);

        IHost host = builder.Build();
        await host.StartAsync();
        return new FleetHost(name, host, tap);
    }

    /// <summary>SIGTERM: stop reading, deliver, checkpoint and release, within the grace period.</summary>
    public async Task StopGracefullyAsync()
    {
        _stopped = true;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(limit.Token);
    }

    /// <summary>
    /// SIGKILL: from now on nothing this worker sends reaches a service, so it neither delivers, checkpoints nor releases
    /// anything more; its remains are then torn down without a grace period.
    /// </summary>
    public async Task KillAsync()
    {
        Tap.Cut();
        _stopped = true;
        using var none = new CancellationTokenSource();
        await none.CancelAsync();
        try
        {
            await _host.StopAsync(none.Token);
        }
        catch (OperationCanceledException)
        {
            // No grace period is the point.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await KillAsync();
        }

        _host.Dispose();
    }
}
