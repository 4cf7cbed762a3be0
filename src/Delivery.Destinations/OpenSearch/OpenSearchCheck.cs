using System.Net;
using System.Net.Sockets;
using Delivery.Aws.Signing;
using Delivery.Destinations.Checks;
using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Checks at start that the cluster takes bulk requests from this worker: one <c>_bulk</c> POST with an empty body,
/// authenticated as deliveries are (SigV4 or basic auth). It indexes nothing: the cluster answers it 400 ("request
/// body is required") once the request got through TLS, the domain's access policy and authentication, which is what
/// is checked. Refused credentials or permissions (401, 403), an endpoint without a <c>_bulk</c> API, a host that does
/// not resolve and a certificate that is not trusted are permanent; timeouts, throttling, 5xx and refused
/// connections are transient.
/// </summary>
public sealed class OpenSearchCheck : IDestinationCheck
{
    private const int MaxResponseBytes = 64 * 1024;

    private readonly BulkEndpoint _endpoint;
    private readonly ILogger _logger;

    /// <param name="options">The pipeline's settings.</param>
    /// <param name="client">The pipeline's client, signing included.</param>
    /// <param name="setting">The configuration key of the endpoint.</param>
    /// <param name="logger">Receives the status the cluster answered, at Debug.</param>
    /// <param name="timeProvider">Times the request; default <see cref="TimeProvider.System"/>.</param>
    public OpenSearchCheck(OpenSearchDestinationOptions options, HttpClient client, string setting, ILogger<OpenSearchCheck> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(setting);
        _endpoint = new BulkEndpoint(options, client, timeProvider ?? TimeProvider.System);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        Setting = setting;
    }

    public string Setting { get; }

    /// <summary>The <c>_bulk</c> URL without user info or query.</summary>
    public string Target => _endpoint.SafeUrl;

    /// <summary>What the cluster's answer to an empty bulk request says about delivering to it.</summary>
    public static CheckOutcome Classify(HttpStatusCode status, byte[]? body, string url)
    {
        int code = (int)status;
        string reason = body is null ? "" : BulkResponse.ParseError(body).Reason is { } text ? ": " + BulkResponse.Quote(text) : "";
        return code switch
        {
            200 or 400 => CheckOutcome.Ok,
            401 or 403 => CheckOutcome.Permanent($"{url} refused the credentials or their permissions (status {code}{reason})"),
            404 or 405 => CheckOutcome.Permanent($"{url} is not the _bulk API of an OpenSearch or Elasticsearch cluster (status {code}{reason})"),
            408 or 429 or >= 500 => CheckOutcome.Transient($"{url} answered status {code}{reason}"),
            >= 300 and < 400 => CheckOutcome.Permanent($"{url} redirects (status {code}); set the endpoint the redirect points at"),
            _ => CheckOutcome.Permanent($"{url} refused the request (status {code}{reason})"),
        };
    }

    /// <summary>Whether a request that got no answer can succeed later.</summary>
    public static CheckOutcome Classify(HttpRequestException exception, string url)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData })
            {
                return CheckOutcome.Permanent($"the host of {url} does not resolve ({exception.Message})");
            }
        }

        return exception.HttpRequestError == HttpRequestError.SecureConnectionError
            ? CheckOutcome.Permanent($"no TLS connection to {url}: {exception.Message}{(exception.InnerException is { } cause ? " (" + cause.Message + ")" : "")}")
            : CheckOutcome.Transient($"no answer from {url} ({exception.HttpRequestError}: {exception.Message})");
    }

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            (HttpStatusCode status, byte[]? body) = await _endpoint.PostAsync(null, SigV4Signer.EmptyPayloadHash, MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            Log.CheckAnswered(_logger, _endpoint.SafeUrl, (int)status);
            return Classify(status, body, _endpoint.SafeUrl);
        }
        catch (TimeoutException exception)
        {
            return CheckOutcome.Transient($"{_endpoint.SafeUrl}: {exception.Message}");
        }
        catch (HttpRequestException exception)
        {
            return Classify(exception, _endpoint.SafeUrl);
        }
        catch (IOException exception)
        {
            return CheckOutcome.Transient($"the connection to {_endpoint.SafeUrl} broke ({exception.Message})");
        }
    }
}
