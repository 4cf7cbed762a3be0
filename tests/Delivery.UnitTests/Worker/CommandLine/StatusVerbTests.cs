using System.Globalization;
using Delivery.Testing;
using Delivery.Worker.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Delivery.UnitTests.Worker.CommandLine;

/// <summary>
/// <c>status</c> against a real listener that serves a known status document at <c>/status</c> (and something else
/// elsewhere), so the verb asking the wrong path or port cannot pass. Arguments go through the same command-line
/// configuration the worker builds.
/// </summary>
public sealed class StatusVerbTests : IAsyncLifetime
{
    private LocalHttpServer? _server;

    private int Port => _server!.Address.Port;

    public async Task InitializeAsync() => _server = await LocalHttpServer.StartAsync(app =>
    {
        app.MapGet("/status", () => Results.Text(StatusFormatterTests.FleetStatus, "application/json"));
        app.MapGet("/proxy/delivery/status", () => Results.Text(StatusFormatterTests.FleetStatus, "application/json"));
        app.MapGet("/health/live", () => Results.Text("not a status document"));
        app.MapGet("/broken/status", () => Results.Text("<html>a proxy's error page</html>", "text/html"));
    });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("--url http://127.0.0.1:{port}")]
    [InlineData("--url=http://127.0.0.1:{port}/")]
    [InlineData("--url http://127.0.0.1:{port}/status")]
    [InlineData("--url http://127.0.0.1:{port}/proxy/delivery")]
    public async Task TheGivenWorker_IsShownAsTheFleetView(string arguments)
    {
        (int exitCode, string output, string error) = await RunAsync(arguments);

        exitCode.ShouldBe(0, error);
        output.ShouldContain("Worker worker-a · NOT READY");
        output.ShouldContain("clicks  delivering");
        output.ShouldContain("\n  shardId-000000000001  worker-b    elsewhere");
        output.ShouldContain("alerts  FAILING for 42 s");
    }

    [Fact]
    public async Task WithoutUrl_ThisHostsWorker_IsAskedOnTheConfiguredPort()
    {
        (int exitCode, string output, string error) = await RunAsync("", new() { ["Delivery:Health:Port"] = Port.ToString(CultureInfo.InvariantCulture), ["Delivery:Health:ListenAddress"] = "0.0.0.0" });

        exitCode.ShouldBe(0, error);
        output.ShouldContain("shardId-000000000000  worker-a *");
    }

    [Theory]
    [InlineData("--url http://127.0.0.1:9", "did not answer")]
    [InlineData("--url http://127.0.0.1:{port}/nothing-here", "answered 404")]
    [InlineData("--url http://127.0.0.1:{port}/broken", "did not answer with a status document")]
    public async Task NoStatusDocument_IsExit1_SayingWhatAnswered(string arguments, string says)
    {
        (int exitCode, string output, string error) = await RunAsync(arguments);

        exitCode.ShouldBe(1);
        error.ShouldContain(says);
        output.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnUnconfiguredPort_IsExit1_AskingForTheUrl()
    {
        (int exitCode, _, string error) = await RunAsync("", new() { ["Delivery:Health:Port"] = "0" });

        exitCode.ShouldBe(1);
        error.ShouldContain("--url URL");
    }

    [Theory]
    [InlineData("--bogus", "'--bogus'")]
    [InlineData("--url", "'--url' needs a value")]
    [InlineData("--url ftp://example.com", "'ftp://example.com' is not an http:// or https:// URL")]
    [InlineData("--url not-a-url", "'not-a-url'")]
    [InlineData("clicks", "'clicks'")]
    public async Task AnUnknownOrMalformedArgument_IsAUsageError_NamingIt(string arguments, string named)
    {
        (int exitCode, string output, string error) = await RunAsync(arguments);

        exitCode.ShouldBe(2);
        error.ShouldContain(named);
        error.ShouldContain(StatusVerb.Synopsis);
        output.ShouldBeEmpty();
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(string arguments, Dictionary<string, string?>? settings = null) =>
        VerbRunner.RunAsync("status", arguments, Port, settings);
}
