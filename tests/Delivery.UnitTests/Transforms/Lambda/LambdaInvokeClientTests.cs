using System.Net;
using System.Text;
using Delivery.Transforms.Lambda;

namespace Delivery.UnitTests.Transforms.Lambda;

public sealed class LambdaInvokeClientTests
{
    [Fact]
    public async Task Invoke_PostsThePayloadToTheFunctionsInvocationsPath_WithTheArnEscaped()
    {
        var handler = new RecordingHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("{\"records\":[]}"),
            Headers = { { "X-Amz-Executed-Version", "7" } },
        });
        using var client = new LambdaInvokeClient(new HttpClient(handler), new LambdaClientOptions { Region = "eu-west-1", ServiceUrl = new Uri("http://127.0.0.1:9999") });

        InvokeResponse response = await client.InvokeAsync(new InvokeRequest { FunctionName = "arn:aws:lambda:eu-west-1:123456789012:function:enrich:live", Payload = "{\"x\":1}"u8.ToArray() });

        HttpRequestMessage sent = handler.Requests.ShouldHaveSingleItem();
        sent.Method.ShouldBe(HttpMethod.Post);
        sent.RequestUri!.AbsolutePath.ShouldBe("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Aenrich%3Alive/invocations");
        sent.Headers.GetValues("X-Amz-Invocation-Type").ShouldBe(["RequestResponse"]);
        handler.Bodies.ShouldHaveSingleItem().ShouldBe("{\"x\":1}");
        (response.StatusCode, response.FunctionError, response.ExecutedVersion).ShouldBe((200, null, "7"));
        Encoding.UTF8.GetString(response.Payload.Span).ShouldBe("{\"records\":[]}");
    }

    [Fact]
    public async Task AFunctionError_IsReturned_NotThrown()
    {
        var handler = new RecordingHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("{\"errorMessage\":\"boom\"}"),
            Headers = { { "X-Amz-Function-Error", "Unhandled" } },
        });
        using var client = new LambdaInvokeClient(new HttpClient(handler), new LambdaClientOptions { ServiceUrl = new Uri("http://127.0.0.1:9999/") });

        InvokeResponse response = await client.InvokeAsync(new InvokeRequest { FunctionName = "f" });

        response.FunctionError.ShouldBe("Unhandled");
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, "TooManyRequestsException:http://internal.amazon.com/coral/", "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\",\"Type\":\"User\",\"message\":\"Rate Exceeded.\"}", "TooManyRequestsException", true)]
    [InlineData(HttpStatusCode.NotFound, null, "{\"Type\":\"User\",\"message\":\"Function not found\",\"__type\":\"ResourceNotFoundException\"}", "ResourceNotFoundException", false)]
    [InlineData(HttpStatusCode.BadGateway, null, "<html>bad gateway</html>", "HttpStatus502", false)]
    public async Task LambdaErrors_ThrowWithLambdasErrorType(HttpStatusCode status, string? errorType, string body, string expectedCode, bool throttling)
    {
        var handler = new RecordingHandler(_ =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body) };
            if (errorType is not null)
            {
                response.Headers.Add("x-amzn-ErrorType", errorType);
            }

            return response;
        });
        using var client = new LambdaInvokeClient(new HttpClient(handler), new LambdaClientOptions { ServiceUrl = new Uri("http://127.0.0.1:9999/") });

        AmazonLambdaException error = await Should.ThrowAsync<AmazonLambdaException>(() => client.InvokeAsync(new InvokeRequest { FunctionName = "f" }));

        (error.ErrorCode, error.StatusCode, error.IsThrottling).ShouldBe((expectedCode, status, throttling));
    }

    [Fact]
    public async Task AResponseOverTheLimit_IsRefused_WithoutReadingItAll()
    {
        var handler = new RecordingHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[5000]) });
        using var client = new LambdaInvokeClient(new HttpClient(handler), new LambdaClientOptions { ServiceUrl = new Uri("http://127.0.0.1:9999/"), MaxResponseBytes = 4096 });

        AmazonLambdaException error = await Should.ThrowAsync<AmazonLambdaException>(() => client.InvokeAsync(new InvokeRequest { FunctionName = "f" }));

        error.ErrorCode.ShouldBe("ResponseTooLarge");
    }

    private sealed class RecordingHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            return answer(request);
        }
    }
}
