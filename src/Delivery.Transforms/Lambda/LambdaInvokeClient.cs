using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.Runtime;
using Delivery.Aws.Signing;
using Delivery.Transforms.Contract;

namespace Delivery.Transforms.Lambda;

/// <summary>
/// <see cref="ILambdaInvoker"/> over Lambda's REST API (<c>POST /2015-03-31/functions/{name}/invocations</c>), signed with
/// SigV4 (signing name <c>lambda</c>). AWSSDK.Lambda does not restore here; this client covers Invoke only. It makes one
/// attempt per call: a transform's retries, backoff and timeout belong to its stage (Firehose's NumberOfRetries), and a
/// second retry layer here would multiply them.
/// </summary>
public sealed class LambdaInvokeClient : ILambdaInvoker, IDisposable
{
    /// <summary>The SigV4 signing name of Lambda.</summary>
    public const string SigningName = "lambda";

    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly long _maxResponseBytes;

    /// <summary>
    /// Creates a client over an <see cref="HttpClient"/> whose handler chain already signs requests (see
    /// <see cref="SigV4SigningHandler"/>). The caller keeps ownership of <paramref name="httpClient"/>.
    /// </summary>
    public LambdaInvokeClient(HttpClient httpClient, LambdaClientOptions options)
        : this(httpClient, ownsHttpClient: false, options)
    {
    }

    private LambdaInvokeClient(HttpClient httpClient, bool ownsHttpClient, LambdaClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _httpClient = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _maxResponseBytes = options.MaxResponseBytes;
        Endpoint = options.ResolveEndpoint();
    }

    public Uri Endpoint { get; }

    /// <summary>Creates a client with its own connection pool and signing handler; it owns and disposes them.</summary>
    public static LambdaInvokeClient Create(LambdaClientOptions options, AWSCredentials credentials, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        var transport = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var signing = new SigV4SigningHandler(credentials, new SigV4Signer(options.Region, SigningName), timeProvider, transport);
        var httpClient = new HttpClient(signing, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        return new LambdaInvokeClient(httpClient, ownsHttpClient: true, options);
    }

    public async Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.FunctionName);
        using HttpRequestMessage message = CreateMessage(request);
        try
        {
            using HttpResponseMessage response = await _httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            byte[] body;
            using (PooledBufferWriter read = await BoundedBody.ReadAsync(response.Content, _maxResponseBytes, bytes => TooLarge(response, bytes), cancellationToken).ConfigureAwait(false))
            {
                // The response outlives this call: it gets an array of its own.
                body = read.WrittenSpan.ToArray();
            }

            if (!response.IsSuccessStatusCode)
            {
                throw Error(response, body);
            }

            return new InvokeResponse
            {
                StatusCode = (int)response.StatusCode,
                FunctionError = Header(response, "X-Amz-Function-Error"),
                ExecutedVersion = Header(response, "X-Amz-Executed-Version"),
                Payload = body,
            };
        }
        catch (HttpRequestException ex)
        {
            throw new AmazonLambdaException("NetworkError", default, $"Could not reach Lambda at {Endpoint}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new AmazonLambdaException("NetworkError", default, $"The connection to Lambda at {Endpoint} failed: {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    private HttpRequestMessage CreateMessage(InvokeRequest request)
    {
        // The name goes into one path segment: an ARN's ':' is escaped, as the SDK does.
        string path = $"2015-03-31/functions/{Uri.EscapeDataString(request.FunctionName)}/invocations";
        if (!string.IsNullOrEmpty(request.Qualifier))
        {
            path += "?Qualifier=" + Uri.EscapeDataString(request.Qualifier);
        }

        var content = new ReadOnlyMemoryContent(request.Payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint, path)) { Content = content };
        message.Headers.TryAddWithoutValidation("X-Amz-Invocation-Type", request.InvocationType);
        message.Options.Set(SigV4SigningHandler.PayloadHashOption, SigV4Signer.HashPayload(request.Payload.Span));
        return message;
    }

    private AmazonLambdaException TooLarge(HttpResponseMessage response, long bytes) =>
        new("ResponseTooLarge", response.StatusCode, $"Lambda's response has at least {bytes} bytes, more than the {_maxResponseBytes} this client reads.");

    private static AmazonLambdaException Error(HttpResponseMessage response, byte[] body)
    {
        // x-amzn-ErrorType is "Code" or "Code:http://..."; the body's "Type" is "User"/"Service", so it is a fallback only.
        string? type = Header(response, "x-amzn-ErrorType")?.Split(':')[0];
        string? message = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                type ??= Property(document.RootElement, "__type") ?? Property(document.RootElement, "code");
                message = Property(document.RootElement, "message") ?? Property(document.RootElement, "Message");
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page, say): the status says enough.
        }

        int status = (int)response.StatusCode;
        type ??= "HttpStatus" + status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new AmazonLambdaException(type, response.StatusCode, $"Lambda answered {status} {type}{(message is null ? "" : ": " + message)}");
    }

    private static string? Property(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
}
