using System.Net;
using System.Text.Json;
using Delivery.Telemetry.History;
using Delivery.Worker.Health.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Delivery.Worker.Health;

/// <summary>
/// A small Kestrel server beside the worker: <c>GET /health/live</c>, <c>GET /health/ready</c> (200 or 503, with the
/// checks as JSON), <c>GET /status</c> and the dashboard at <c>GET /</c>, which polls <c>/status</c>. It starts before
/// the pipelines, so liveness answers while they start, and stops after them, so it answers during the drain.
/// </summary>
internal sealed class HealthServer(HealthOptions options, HealthCheckService checks, StatusReport status, TelemetryHistory history, ILogger<HealthServer> logger) : IHostedService, IAsyncDisposable
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string StatusPath = "/status";
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    private WebApplication? _app;

    /// <summary>The address the server listens on once started (with the real port when 0 was configured).</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        // Only the dashboard reads the history, so it is kept only while something can show it.
        history.Start();
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(HealthServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port);
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"The health endpoints cannot listen on {options.ListenAddress}:{options.Port} (Delivery:Health): {ex.Message}", ex);
        }

        string bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(bound);
        Log.HealthListening(logger, Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        history.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    private static async Task WriteReportAsync(HttpResponse response, HealthReport report)
    {
        response.StatusCode = report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach ((string name, HealthReportEntry entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description ?? entry.Exception?.Message);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private async Task HandleAsync(HttpContext context)
    {
        HttpResponse response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        try
        {
            switch (context.Request.Path.Value)
            {
                case LivePath:
                    await WriteReportAsync(response, await checks.CheckHealthAsync(check => check.Tags.Contains(LiveTag), context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
                case ReadyPath:
                    await WriteReportAsync(response, await checks.CheckHealthAsync(check => check.Tags.Contains(ReadyTag), context.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
                case StatusPath:
                    response.ContentType = "application/json";
                    await status.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
                    break;
                case var path when DashboardAssets.TryGet(path, out DashboardAssets.Asset asset):
                    response.ContentType = asset.ContentType;
                    response.Headers.ContentSecurityPolicy = DashboardAssets.ContentSecurityPolicy;
                    response.Headers.XContentTypeOptions = "nosniff";
                    response.Headers["Referrer-Policy"] = "no-referrer";
                    response.ContentLength = asset.Content.Length;
                    if (HttpMethods.IsGet(context.Request.Method))
                    {
                        await response.Body.WriteAsync(asset.Content, context.RequestAborted).ConfigureAwait(false);
                    }

                    break;
                default:
                    response.StatusCode = StatusCodes.Status404NotFound;
                    break;
            }
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            Log.HealthRequestFailed(logger, ex, context.Request.Path.Value ?? "");
            if (!response.HasStarted)
            {
                response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
    }
}
