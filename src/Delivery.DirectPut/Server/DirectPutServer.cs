using System.Net;
using Delivery.DirectPut.Authentication;
using Delivery.DirectPut.Ingest;
using Delivery.Kinesis.Client;
using Delivery.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Delivery.DirectPut.Server;

/// <summary>
/// The Direct PUT listener: a Kestrel server that answers the Firehose API. It starts after the pipelines (their
/// streams exist by then) and stops before them on SIGTERM, so no call arrives once the worker drains; calls in flight
/// finish first, each acknowledged only once Kinesis has its records.
/// </summary>
public sealed class DirectPutServer(
    DirectPutOptions options,
    IReadOnlyList<DeliveryStreamEntry> streams,
    RequestAuthenticator authenticator,
    IKinesisClient kinesis,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    DeliveryMetrics? metrics = null) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<DirectPutServer>();
    private WebApplication? _app;
    private DirectPutRequestHandler? _handler;

    /// <summary>The address the listener is bound to once started (with the real port when 0 was configured).</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        // Asked once: Encrypted in every answer says whether the stream keeps the records encrypted at rest.
        var encrypted = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (string stream in streams.Where(s => s.AcceptsDirectPut).Select(s => s.StreamName).Distinct(StringComparer.Ordinal))
        {
            DescribeStreamSummaryResponse summary = await kinesis.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream }, cancellationToken).ConfigureAwait(false);
            encrypted[stream] = string.Equals(summary.StreamDescriptionSummary.EncryptionType, "KMS", StringComparison.OrdinalIgnoreCase);
        }

        var api = new FirehoseApi(streams, encrypted, new DirectPutLog(kinesis, loggerFactory.CreateLogger<DirectPutLog>()), time, metrics);
        _handler = new DirectPutRequestHandler(api, authenticator, options.MaxConcurrentRequests, time, loggerFactory.CreateLogger<DirectPutRequestHandler>());
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(DirectPutServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = Protocol.FirehoseProtocol.MaxRequestBodyBytes + 1;
            kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port);
        });
        _app = builder.Build();
        _app.Run(_handler.HandleAsync);
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Direct PUT cannot listen on {options.ListenAddress}:{options.Port} (Delivery:DirectPut): {ex.Message}", ex);
        }

        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Log.Listening(_logger, Address, string.Join(", ", streams.Where(s => s.AcceptsDirectPut).Select(s => $"{s.Name} (stream {s.StreamName})")), authenticator.IsOpen ? "none" : "SigV4");
        if (authenticator.IsOpen)
        {
            Log.Unauthenticated(_logger, Address);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
            Log.Stopped(_logger, Address!);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }

        _handler?.Dispose();
        _handler = null;
    }
}
