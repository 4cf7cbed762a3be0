using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Delivery.Aws.Signing;
using Delivery.Testing;
using Delivery.Transforms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Delivery.IntegrationTests.Transforms.Lambda;

/// <summary>
/// The Lambda Invoke REST API (<c>POST /2015-03-31/functions/{name}/invocations</c>) on Kestrel, with a few functions
/// that behave as real ones do. Every request's SigV4 signature is recomputed from the request as it arrived (raw path
/// included), so a request that was changed after signing, or signed with the wrong secret, is refused with 403 as
/// Lambda would. Functions:
/// <list type="bullet">
/// <item><c>enrich</c>: upper-cases each record and sets the partition key <c>first</c> to its first letter;</item>
/// <item><c>crash</c>: fails (<c>X-Amz-Function-Error: Unhandled</c>) with an error object;</item>
/// <item><c>busy-once</c>: 429 TooManyRequestsException on an invocation's first attempt, then as <c>enrich</c>;</item>
/// <item><c>busy</c>: always 429; any other name: 404 ResourceNotFoundException.</item>
/// </list>
/// </summary>
internal static partial class LambdaApiServer
{
    public const string AccessKey = "AKIDLAMBDATEST";
    public const string SecretKey = "lambda-test-secret";

    public static Task<LocalHttpServer> StartAsync(ConcurrentDictionary<string, int> attemptsByInvocation) =>
        LocalHttpServer.StartAsync(app => app.MapPost("/2015-03-31/functions/{name}/invocations", async (HttpContext context, string name) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            if (SignatureProblem(context.Request, body.ToArray()) is { } problem)
            {
                return Error(403, "InvalidSignatureException", problem);
            }

            if (context.Request.Headers["X-Amz-Invocation-Type"] != "RequestResponse")
            {
                return Error(400, "InvalidParameterValueException", "expected a RequestResponse invocation");
            }

            FirehoseTransformEvent received = JsonSerializer.Deserialize<FirehoseTransformEvent>(body.ToArray())!;
            int attempt = attemptsByInvocation.AddOrUpdate(received.InvocationId, 1, (_, n) => n + 1);
            string function = name.Split(":function:")[^1].Split(':')[0];
            switch (function)
            {
                case "crash":
                    context.Response.Headers["X-Amz-Function-Error"] = "Unhandled";
                    return Results.Json(new { errorMessage = "KeyError: 'customer'", errorType = "KeyError", stackTrace = Array.Empty<string>() });
                case "busy":
                case "busy-once" when attempt == 1:
                    return Error(429, "TooManyRequestsException", "Rate Exceeded.");
                case "enrich" or "busy-once":
                    context.Response.Headers["X-Amz-Executed-Version"] = "$LATEST";
                    return Results.Json(new FirehoseTransformResponse([.. received.Records.Select(record =>
                    {
                        string text = Encoding.UTF8.GetString(Convert.FromBase64String(record.Data)).ToUpperInvariant();
                        return new FirehoseTransformResponseRecord(record.RecordId, TransformResult.Ok, Convert.ToBase64String(Encoding.UTF8.GetBytes(text)),
                            new FirehoseTransformResponseMetadata(new Dictionary<string, string> { ["first"] = text[..1] }));
                    })]));
                default:
                    return Error(404, "ResourceNotFoundException", $"Function not found: {name}");
            }
        }));

    private static IResult Error(int status, string type, string message) => new ErrorResult(status, type, message);

    // Recomputes the signature the way Lambda does, from the method, raw path, signed headers and body that arrived.
    private static string? SignatureProblem(HttpRequest request, byte[] body)
    {
        Match authorization = AuthorizationHeader().Match(request.Headers.Authorization.ToString());
        if (!authorization.Success)
        {
            return "missing or malformed Authorization header";
        }

        (string accessKey, string date, string region, string service, string signedHeaders, string signature) =
            (authorization.Groups[1].Value, authorization.Groups[2].Value, authorization.Groups[3].Value, authorization.Groups[4].Value, authorization.Groups[5].Value, authorization.Groups[6].Value);
        if (accessKey != AccessKey || service != "lambda")
        {
            return $"unexpected credential {accessKey}/{service}";
        }

        var time = DateTimeOffset.ParseExact(request.Headers["X-Amz-Date"].ToString(), "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        string rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"http://{request.Host}{rawTarget}")) { Content = new ByteArrayContent(body) };
        foreach (string header in signedHeaders.Split(';'))
        {
            if (header == "host")
            {
                continue;
            }

            if (header == "content-length")
            {
                // The body's own length; reading it puts the header on the content.
                _ = message.Content.Headers.ContentLength;
                continue;
            }

            string value = request.Headers[header].ToString();
            if (!message.Headers.TryAddWithoutValidation(header, value))
            {
                message.Content.Headers.TryAddWithoutValidation(header, value);
            }
        }

        var signer = new SigV4Signer(region, service);
        SigV4CanonicalRequest canonical = signer.CreateCanonicalRequest(message, SigV4Signer.HashPayload(body));
        string stringToSign = SigV4Signer.CreateStringToSign(time, $"{date}/{region}/{service}/aws4_request", canonical.Text);
        string expected = Convert.ToHexStringLower(HMACSHA256.HashData(SigV4Signer.DeriveSigningKey(SecretKey, time, region, service), Encoding.UTF8.GetBytes(stringToSign)));
        return canonical.SignedHeaders == signedHeaders && expected == signature ? null : "The request signature we calculated does not match the signature you provided.";
    }

    [GeneratedRegex("^AWS4-HMAC-SHA256 Credential=([^/]+)/([0-9]{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")]
    private static partial Regex AuthorizationHeader();

    // Lambda's error shape: the type in x-amzn-ErrorType, a JSON body with Type and message.
    private sealed class ErrorResult(int status, string type, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.Headers["x-amzn-ErrorType"] = type;
            return httpContext.Response.WriteAsJsonAsync(new { Type = "User", message });
        }
    }
}
