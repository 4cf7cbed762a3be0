using System.Net;
using System.Net.Sockets;
using Delivery.Destinations.Checks;
using Delivery.Destinations.Http;

namespace Delivery.UnitTests.Destinations.Http;

public sealed class HttpEndpointCheckTests
{
    private const string Setting = "Delivery:Pipelines:logs:HttpEndpoint:Url";

    [Theory]
    [InlineData(SocketError.HostNotFound)]
    [InlineData(SocketError.NoData)]
    public void AHostThatDoesNotExist_IsPermanent(SocketError error)
    {
        CheckOutcome outcome = HttpEndpointCheck.ClassifyLookup("receiver.example.invalid", error);

        outcome.Status.ShouldBe(CheckStatus.Permanent);
        outcome.Reason.ShouldBe($"the host 'receiver.example.invalid' does not resolve ({error})");
    }

    [Theory]
    [InlineData(SocketError.TryAgain)]
    [InlineData(SocketError.TimedOut)]
    [InlineData(SocketError.NetworkUnreachable)]
    public void ALookupThatMaySucceedLater_IsTransient(SocketError error) =>
        HttpEndpointCheck.ClassifyLookup("receiver.example.com", error).Status.ShouldBe(CheckStatus.Transient);

    [Fact]
    public async Task AnEndpointThatAcceptsConnections_Passes_WithoutBeingSentAnything()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var check = new HttpEndpointCheck(new Uri($"http://localhost:{port}/ingest?token=secret"), TimeSpan.FromSeconds(5), Setting, NoProxy.Instance);

        CheckOutcome outcome = await check.RunAsync(CancellationToken.None);

        outcome.ShouldBe(CheckOutcome.Ok);
        check.Target.ShouldBe($"localhost:{port}", "the path and query may hold a token");
        using Socket accepted = await listener.AcceptSocketAsync();
        accepted.Available.ShouldBe(0);
    }

    [Fact]
    public async Task AnEndpointThatRefusesConnections_IsTransient_ForAReceiverMayStillBeStarting()
    {
        int port;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            port = ((IPEndPoint)closed.LocalEndpoint).Port;
        }

        CheckOutcome outcome = await new HttpEndpointCheck(new Uri($"http://127.0.0.1:{port}/"), TimeSpan.FromSeconds(5), Setting, NoProxy.Instance).RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Transient);
        outcome.Reason.ShouldContain($"127.0.0.1:{port}");
    }

    [Fact]
    public async Task AnEndpointBehindAProxy_IsLeftToTheProxy()
    {
        var check = new HttpEndpointCheck(new Uri("https://receiver.example.invalid/"), TimeSpan.FromSeconds(5), Setting, new WebProxy("http://proxy.internal:3128"));

        (await check.RunAsync(CancellationToken.None)).ShouldBe(CheckOutcome.Ok);
    }

    private sealed class NoProxy : IWebProxy
    {
        public static readonly NoProxy Instance = new();

        public ICredentials? Credentials { get; set; }

        public Uri? GetProxy(Uri destination) => null;

        public bool IsBypassed(Uri host) => true;
    }
}
