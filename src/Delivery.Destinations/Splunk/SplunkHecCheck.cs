using System.Net.Http.Headers;
using System.Net.Sockets;
using Delivery.Destinations.Checks;
using Delivery.Destinations.Http;

namespace Delivery.Destinations.Splunk;

/// <summary>
/// Checks at start that the collector answers and takes the token, the way Firehose checks a Splunk destination: an
/// empty POST to the data endpoint with the token and a channel. HEC reads the token before the body, so "No data"
/// (code 5) means both are right, and no event is indexed. An unknown host, a refused token, a TLS failure or a URL
/// where no collector answers is permanent; a refused connection, a timeout or a busy collector is transient.
/// Acknowledgement being off for the token shows only when data is sent (HEC then answers without an ackId).
/// </summary>
public sealed class SplunkHecCheck : IDestinationCheck
{
    private readonly HttpClient _client;
    private readonly Uri _dataUrl;
    private readonly string? _token;
    private readonly string _tokenVariable;
    private readonly string _endpointSetting;
    private readonly string _tokenSetting;
    private volatile bool _tokenAtFault;

    /// <param name="client">The pipeline's client, so the check takes the path deliveries take (proxy included).</param>
    /// <param name="options">The endpoint, its type and the token's variable.</param>
    /// <param name="token">The token read from that variable; null when it is not set.</param>
    /// <param name="settingPrefix">The key of the pipeline's Splunk section, such as <c>Delivery:Pipelines:logs:Splunk</c>.</param>
    public SplunkHecCheck(HttpClient client, SplunkDestinationOptions options, string? token, string settingPrefix)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.HecEndpoint);
        ArgumentException.ThrowIfNullOrEmpty(settingPrefix);
        _client = client;
        _dataUrl = HecUrls.Data(options.HecEndpoint, options.HecEndpointType);
        _token = token;
        _tokenVariable = options.HecTokenVariable;
        _endpointSetting = $"{settingPrefix}:{nameof(SplunkDestinationOptions.HecEndpoint)}";
        _tokenSetting = $"{settingPrefix}:{nameof(SplunkDestinationOptions.HecTokenVariable)}";
    }

    /// <summary>The endpoint's key, or the token variable's once the token is what failed.</summary>
    public string Setting => _tokenAtFault ? _tokenSetting : _endpointSetting;

    public string Target => HecUrls.Safe(_dataUrl);

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_token))
        {
            _tokenAtFault = true;
            return CheckOutcome.Permanent($"environment variable '{_tokenVariable}' is not set: it must hold the HEC token.");
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, _dataUrl) { Content = new ByteArrayContent([]) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.TryAddWithoutValidation("Authorization", "Splunk " + _token);
        message.Headers.TryAddWithoutValidation("X-Splunk-Request-Channel", Guid.NewGuid().ToString("D"));
        try
        {
            using HttpResponseMessage response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            byte[] body = await HttpEndpointResponse.ReadLimitedAsync(response.Content, HecClient.MaxAnswerBytes, cancellationToken).ConfigureAwait(false) ?? [];
            return Judge(HecResponse.Parse((int)response.StatusCode, body));
        }
        catch (HttpRequestException exception)
        {
            return exception switch
            {
                { HttpRequestError: HttpRequestError.NameResolutionError, InnerException: SocketException socket } => HttpEndpointCheck.ClassifyLookup(_dataUrl.IdnHost, socket.SocketErrorCode),
                { HttpRequestError: HttpRequestError.SecureConnectionError } => CheckOutcome.Permanent($"the TLS handshake with {Target} failed: {exception.Message}"),
                _ => CheckOutcome.Transient($"no answer from {Target} ({exception.HttpRequestError}: {exception.Message})"),
            };
        }
    }

    private CheckOutcome Judge(HecAnswer answer)
    {
        if (answer.Code == 5 || answer.Accepted)
        {
            return CheckOutcome.Ok;
        }

        if (answer.Code is 1 or 2 or 3 or 4 or 16 || (answer.Code is null && answer.Status is 401 or 403))
        {
            _tokenAtFault = true;
            return CheckOutcome.Permanent($"HEC refused the token in '{_tokenVariable}': {answer.Describe()}.");
        }

        return answer switch
        {
            { Code: 8 or 9 or 18 or 19 or 20 } or { Status: >= 500 or 429 } => CheckOutcome.Transient($"{Target} answered {answer.Describe()}"),
            { Status: 404 } => CheckOutcome.Permanent($"no collector answers at {Target} ({answer.Describe()}): check HecEndpoint and HecEndpointType, and that HEC is enabled."),
            { Code: null } => CheckOutcome.Permanent($"{Target} answered {answer.Describe()}, not as Splunk's HTTP Event Collector does: is HecEndpoint the collector's base URL?"),
            _ => CheckOutcome.Permanent($"{Target} refused an empty request with the token: {answer.Describe()}."),
        };
    }
}
