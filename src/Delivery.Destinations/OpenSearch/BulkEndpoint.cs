using System.Net;
using System.Net.Http.Headers;
using Delivery.Aws.Signing;
using Delivery.Destinations.Http;
using Microsoft.IO;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Sends bodies to the cluster's <c>_bulk</c> API: POST, <c>application/x-ndjson</c>, each attempt bounded by the
/// request timeout. The client's handlers authenticate (<see cref="BasicAuthenticationHandler"/>, or SigV4, which gets
/// the body's hash from here). Transport failures (refused or reset connections, TLS) are thrown for the caller to classify; the timeout
/// is thrown as <see cref="TimeoutException"/>.
/// </summary>
internal sealed class BulkEndpoint
{
    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    public BulkEndpoint(OpenSearchDestinationOptions options, HttpClient client, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);
        Url = UrlOf(options.Endpoint!);
        SafeUrl = options.RedactedEndpoint().TrimEnd('/') + "/_bulk";
    }

    /// <summary>The endpoint's path followed by <c>/_bulk</c>.</summary>
    public Uri Url { get; }

    /// <summary>The URL as logs may show it.</summary>
    public string SafeUrl { get; }

    /// <summary>The <c>_bulk</c> URL of an endpoint, whose own path (a proxy's prefix) is kept.</summary>
    public static Uri UrlOf(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var builder = new UriBuilder(endpoint) { Query = "", Fragment = "" };
        builder.Path = builder.Path.TrimEnd('/') + "/_bulk";
        return builder.Uri;
    }

    /// <summary>Posts <paramref name="body"/> (null: an empty body) and reads at most <paramref name="maxResponseBytes"/> of the answer.</summary>
    /// <returns>The status and the body; a null body when the answer was longer than allowed.</returns>
    public async Task<(HttpStatusCode Status, byte[]? Body)> PostAsync(
        RecyclableMemoryStream? body, string payloadHash, int maxResponseBytes, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpContent content = body is null ? new ByteArrayContent([]) : new PooledBodyContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(BulkRequest.ContentType);
        using var message = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content };
        message.Options.Set(SigV4SigningHandler.PayloadHashOption, payloadHash);
        try
        {
            using HttpResponseMessage response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            byte[]? answer = await HttpEndpointResponse.ReadLimitedAsync(response.Content, maxResponseBytes, linked.Token).ConfigureAwait(false);
            return (response.StatusCode, answer);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no complete response within {_timeout.TotalSeconds:0} s.", exception);
        }
    }
}
