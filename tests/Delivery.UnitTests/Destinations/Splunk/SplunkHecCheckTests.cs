using System.Net;
using System.Net.Sockets;
using System.Text;
using Delivery.Destinations.Checks;
using Delivery.Destinations.Splunk;

namespace Delivery.UnitTests.Destinations.Splunk;

public sealed class SplunkHecCheckTests
{
    private const string Prefix = "Delivery:Pipelines:logs:Splunk";

    [Theory]
    [InlineData(400, """{"text":"No data","code":5}""")]
    [InlineData(200, """{"text":"Success","code":0}""")]
    public async Task ACollectorThatTakesTheToken_Passes(int status, string body)
    {
        var collector = new Answering(status, body);

        CheckOutcome outcome = await Check(collector, "the-token").RunAsync(CancellationToken.None);

        outcome.ShouldBe(CheckOutcome.Ok);
        collector.Request!.RequestUri.ShouldBe(new Uri("https://splunk.example.com:8088/services/collector/raw"));
        collector.Request.Headers.GetValues("Authorization").Single().ShouldBe("Splunk the-token");
        Guid.TryParse(collector.Request.Headers.GetValues("X-Splunk-Request-Channel").Single(), out _).ShouldBeTrue();
        collector.Body.ShouldBeEmpty("the check sends no event");
    }

    [Theory]
    [InlineData(403, """{"text":"Invalid token","code":4}""")]
    [InlineData(403, """{"text":"Token disabled","code":1}""")]
    [InlineData(401, "Unauthorized")]
    public async Task ARefusedToken_IsPermanent_AndNamesTheTokensVariableNotTheToken(int status, string body)
    {
        SplunkHecCheck check = Check(new Answering(status, body), "the-token");

        CheckOutcome outcome = await check.RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Permanent);
        check.Setting.ShouldBe($"{Prefix}:HecTokenVariable");
        outcome.Reason.ShouldContain("SPLUNK_HEC_TOKEN_LOGS");
        outcome.Reason.ShouldNotContain("the-token");
    }

    [Fact]
    public async Task ATokenVariableThatIsNotSet_IsPermanent_WithoutARequest()
    {
        var collector = new Answering(400, """{"text":"No data","code":5}""");
        SplunkHecCheck check = Check(collector, token: null);

        CheckOutcome outcome = await check.RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Permanent);
        check.Setting.ShouldBe($"{Prefix}:HecTokenVariable");
        collector.Request.ShouldBeNull();
    }

    [Theory]
    [InlineData(404, "Not found", CheckStatus.Permanent)]
    [InlineData(200, "<html>a login page</html>", CheckStatus.Permanent)]
    [InlineData(503, """{"text":"Server is busy","code":9}""", CheckStatus.Transient)]
    [InlineData(502, "Bad gateway", CheckStatus.Transient)]
    public async Task OtherAnswers_AreAboutTheEndpoint(int status, string body, CheckStatus expected)
    {
        SplunkHecCheck check = Check(new Answering(status, body), "the-token");

        CheckOutcome outcome = await check.RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(expected);
        check.Setting.ShouldBe($"{Prefix}:HecEndpoint");
    }

    [Fact]
    public async Task AHostThatDoesNotResolve_IsPermanent_AndOneThatRefusesConnections_Transient()
    {
        CheckOutcome unknown = await Check(new Failing(HttpRequestError.NameResolutionError, new SocketException((int)SocketError.HostNotFound)), "t").RunAsync(CancellationToken.None);
        CheckOutcome refused = await Check(new Failing(HttpRequestError.ConnectionError, new SocketException((int)SocketError.ConnectionRefused)), "t").RunAsync(CancellationToken.None);

        unknown.Status.ShouldBe(CheckStatus.Permanent);
        unknown.Reason.ShouldContain("does not resolve");
        refused.Status.ShouldBe(CheckStatus.Transient);
    }

    private static SplunkHecCheck Check(HttpMessageHandler collector, string? token) =>
        new(new HttpClient(collector), new SplunkDestinationOptions { HecEndpoint = new Uri("https://splunk.example.com:8088/"), HecTokenVariable = "SPLUNK_HEC_TOKEN_LOGS" }, token, Prefix);

    private sealed class Answering(int status, string body) : HttpMessageHandler
    {
        public HttpRequestMessage? Request { get; private set; }

        public byte[] Body { get; private set; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            Body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            return new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8) };
        }
    }

    private sealed class Failing(HttpRequestError error, Exception inner) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException(error, "failed", inner);
    }
}
