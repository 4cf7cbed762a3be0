using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Delivery.Telemetry;
using Delivery.Testing;
using Delivery.Worker.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Worker.Telemetry;

/// <summary>The OTLP exporter, configured the way the worker configures it, sends the Delivery meter to a real HTTP receiver.</summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Path, string ContentType, byte[] Body)> _received = new();
    private WebApplication? _receiver;
    private Uri _endpoint = null!;

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Enqueue((context.Request.Path.Value ?? "", context.Request.ContentType ?? "", body.ToArray()));
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/x-protobuf";
        });
        await _receiver.StartAsync();
        _endpoint = new Uri(_receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    [Fact]
    public async Task Metrics_ReachAnOtlpHttpReceiver_WithFirehoseNamesAndThePipelineDimension()
    {
        string pipeline = LocalAwsStack.UniqueName("otlp");
        using var metrics = new DeliveryMetrics(TimeProvider.System);
        var options = new TelemetryOptions
        {
            Emf = { Enabled = false },
            Otlp = { Endpoint = _endpoint, Protocol = OtlpProtocol.HttpProtobuf, IntervalSeconds = 3600, ServiceName = "delivery-test" },
        };
        var export = new TelemetryExport(options, "worker-1", NullLogger<TelemetryExport>.Instance);
        await export.StartAsync(CancellationToken.None);

        PipelineTelemetry telemetry = metrics.ForPipeline(pipeline);
        telemetry.RecordsIncoming(42, 4200);
        telemetry.BatchDelivered("s3", "shardId-1", 42, 4200);
        await export.StopAsync(CancellationToken.None);

        (string path, string contentType, byte[] body) = _received.ShouldHaveSingleItem();
        path.ShouldBe("/v1/metrics");
        contentType.ShouldBe("application/x-protobuf");

        // Protobuf keeps strings as UTF-8 bytes: the names, the dimension and the service are all in the request.
        string text = Encoding.UTF8.GetString(body);
        text.ShouldContain("IncomingRecords");
        text.ShouldContain("DeliveryToS3.ObjectCount");
        text.ShouldContain(DeliveryMetrics.DeliveryStreamNameTag);
        text.ShouldContain(pipeline);
        text.ShouldContain("delivery-test");
    }

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }
}
