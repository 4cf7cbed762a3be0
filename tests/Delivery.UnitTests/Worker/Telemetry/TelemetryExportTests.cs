using Delivery.Testing;
using Delivery.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace Delivery.UnitTests.Worker.Telemetry;

public sealed class TelemetryExportTests
{
    [Fact]
    public async Task TheStartLog_NamesTheOtlpEndpoint_WithoutItsUserInfoOrQuery()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var options = new TelemetryOptions
        {
            Emf = { Enabled = false },
            Otlp = { Endpoint = new Uri("https://otlp:otlpsecret@collector.example.com:4318/?api_key=otlpquerysecret"), Protocol = OtlpProtocol.HttpProtobuf },
        };
        using var export = new TelemetryExport(options, "worker-1", loggers.CreateLogger<TelemetryExport>());

        await export.StartAsync(CancellationToken.None);

        string started = logs.Entries.ShouldHaveSingleItem().Message;
        started.ShouldContain("collector.example.com:4318");
        started.ShouldNotContain("otlpsecret");
        started.ShouldNotContain("otlpquerysecret");
    }
}
