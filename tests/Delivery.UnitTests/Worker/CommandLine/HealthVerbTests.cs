using System.Globalization;
using Delivery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Delivery.UnitTests.Worker.CommandLine;

/// <summary>
/// <c>health</c> against a real listener whose readiness and liveness answer differently, so a probe of the wrong
/// endpoint or the wrong port cannot pass for the right one. Arguments go through the same command-line configuration
/// the worker builds, since that is where a flag was once read as another flag's value.
/// </summary>
public sealed class HealthVerbTests : IAsyncLifetime
{
    private const string ReadyBody = "ready-endpoint";
    private const string LiveBody = "live-endpoint";

    private LocalHttpServer? _server;

    private int Port => _server!.Address.Port;

    public async Task InitializeAsync() => _server = await LocalHttpServer.StartAsync(app =>
    {
        app.MapGet("/health/ready", () => Results.Text(ReadyBody, statusCode: 200));
        app.MapGet("/health/live", () => Results.Text(LiveBody, statusCode: 503));
    });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("--ready --port {port}")]
    [InlineData("--ready --port={port}")]
    [InlineData("ready --port {port}")]
    [InlineData("ready --port={port}")]
    [InlineData("--port {port} --ready")]
    [InlineData("--port={port} ready")]
    public async Task Ready_AsksTheReadinessEndpoint_OnTheGivenPort(string arguments)
    {
        (int exitCode, string output, string error) = await RunAsync(arguments);

        exitCode.ShouldBe(0, error);
        output.ShouldContain(ReadyBody);
    }

    [Theory]
    [InlineData("--port {port}")]
    [InlineData("--port={port}")]
    [InlineData("live --port {port}")]
    [InlineData("--live --port {port}")]
    public async Task WithoutReady_AsksTheLivenessEndpoint(string arguments)
    {
        (int exitCode, string output, string error) = await RunAsync(arguments);

        exitCode.ShouldBe(1, "the test listener's liveness answers 503");
        output.ShouldContain(LiveBody, customMessage: error);
    }

    [Fact]
    public async Task WithoutPort_TheConfiguredPortIsAsked()
    {
        (int exitCode, string output, string error) = await RunAsync("--ready", new() { ["Delivery:Health:Port"] = Port.ToString(CultureInfo.InvariantCulture) });

        exitCode.ShouldBe(0, error);
        output.ShouldContain(ReadyBody);
    }

    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--ready --verbose", "--verbose")]
    [InlineData("redy", "redy")]
    [InlineData("--port", "--port")]
    [InlineData("--port abc", "abc")]
    [InlineData("--port=70000", "70000")]
    [InlineData("--port 0", "0")]
    public async Task AnUnknownOrMalformedArgument_IsAUsageError_NamingIt(string arguments, string named)
    {
        (int exitCode, string output, string error) = await RunAsync(arguments);

        exitCode.ShouldBe(2);
        error.ShouldContain($"'{named}'");
        error.ShouldContain("health [ready] [--port N]");
        output.ShouldBeEmpty();
    }

    [Fact]
    public async Task TheWorkerBinary_AsksReadinessOnThePortOfItsConfigFile_WithReadyAsAFlag()
    {
        string config = Path.Combine(Path.GetTempPath(), $"health-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""{ "Delivery": { "Health": { "Port": {{Port}} } } }""");
        try
        {
            (int flagExit, string flagOutput) = await ConfigurationVerbTests.RunWorkerAsync("health", "--ready", "--config", config);
            flagExit.ShouldBe(0, flagOutput);
            flagOutput.ShouldContain(ReadyBody);

            (int portExit, string portOutput) = await ConfigurationVerbTests.RunWorkerAsync("health", "--ready", "--port", Port.ToString(CultureInfo.InvariantCulture));
            portExit.ShouldBe(0, portOutput);
            portOutput.ShouldContain(ReadyBody);
        }
        finally
        {
            File.Delete(config);
        }
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(string arguments, Dictionary<string, string?>? settings = null) =>
        VerbRunner.RunAsync("health", arguments, Port, settings);
}
