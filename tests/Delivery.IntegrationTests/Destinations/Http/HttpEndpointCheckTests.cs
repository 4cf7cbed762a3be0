using Delivery.Destinations.Checks;
using Delivery.Destinations.Http;

namespace Delivery.IntegrationTests.Destinations.Http;

/// <summary>The start-up check of an HTTP endpoint against this machine's resolver.</summary>
public sealed class HttpEndpointCheckTests
{
    [Fact]
    public async Task AHostUnderTheInvalidTopLevelDomain_DoesNotResolve_AndThatIsPermanent()
    {
        // RFC 2606 reserves .invalid: no resolver answers for it, wherever the test runs.
        var check = new HttpEndpointCheck(new Uri("https://receiver.invalid/ingest"), TimeSpan.FromSeconds(5), "Delivery:Pipelines:logs:HttpEndpoint:Url", new System.Net.WebProxy());

        CheckOutcome outcome = await check.RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Permanent);
        outcome.Reason.ShouldStartWith("the host 'receiver.invalid' does not resolve");
    }
}
