using Delivery.Telemetry;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Delivery.Worker.Telemetry;

/// <summary>
/// Owns the OpenTelemetry meter provider that reads the <c>Delivery</c> meter: an EMF reader (delta, on stdout) and an
/// OTLP exporter when an endpoint is configured. Started before the pipelines and stopped after them, so the last
/// interval of a run, drain included, is exported on the way out.
/// </summary>
internal sealed class TelemetryExport(TelemetryOptions options, string workerId, ILogger<TelemetryExport> logger, TextWriter? emfOutput = null) : IHostedService, IDisposable
{
    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Emf.Enabled && options.Otlp.Endpoint is null)
        {
            return Task.CompletedTask;
        }

        MeterProviderBuilder builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(options.Otlp.ServiceName, serviceInstanceId: workerId))
            .AddMeter(DeliveryMetrics.MeterName);
        if (options.Emf.Enabled)
        {
            builder.AddReader(new PeriodicExportingMetricReader(new EmfMetricExporter(emfOutput ?? Console.Out, options.Emf.Namespace), options.Emf.IntervalSeconds * 1000)
            {
                TemporalityPreference = MetricReaderTemporalityPreference.Delta,
            });
        }

        if (options.Otlp.Endpoint is { } endpoint)
        {
            builder.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = options.Otlp.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

                // Set in code, the endpoint is used as given: an HTTP endpoint needs the signal's path.
                exporter.Endpoint = options.Otlp.Protocol == OtlpProtocol.HttpProtobuf && endpoint.AbsolutePath == "/" ? new Uri(endpoint, "v1/metrics") : endpoint;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.Otlp.IntervalSeconds * 1000;
            });
        }

        _provider = builder.Build();
        Log.TelemetryStarted(logger, options.Emf.Enabled ? options.Emf.IntervalSeconds : 0, options.Otlp.Endpoint is { } otlp ? SecretSettings.RedactUrl(otlp.OriginalString) : "none");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Disposing collects and exports once more: the measurements of the drain are not lost.
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _provider?.Dispose();
        _provider = null;
    }
}
