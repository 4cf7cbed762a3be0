using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Delivery.Destinations.Http;

namespace Delivery.Destinations.Splunk;

/// <summary>
/// The HTTP side of one HEC channel: every request carries <c>Authorization: Splunk &lt;token&gt;</c> and the channel
/// in <c>X-Splunk-Request-Channel</c>, and the cookies the collector's load balancer sets are sent back, so that the
/// acknowledgement queries of a channel reach the indexer that took its data (Firehose asks for sticky sessions for
/// the same reason). The cookies are kept here, not in the handler, which the client factory replaces every few
/// minutes. Nothing here logs; no message carries the token.
/// </summary>
internal sealed class HecClient
{
    /// <summary>HEC's answers are a few dozen bytes; a longer body is not HEC's, and is not read.</summary>
    public const int MaxAnswerBytes = 64 * 1024;

    private readonly HttpClient _client;
    private readonly Uri _dataUrl;
    private readonly Uri _ackUrl;
    private readonly string _authorization;
    private readonly CookieContainer _cookies = new();

    /// <param name="client">Sends the requests; it must not handle cookies itself.</param>
    /// <param name="options">The endpoint and its type.</param>
    /// <param name="token">The HEC token.</param>
    /// <param name="channel">The channel id: one per writer, so per pipeline per worker.</param>
    public HecClient(HttpClient client, SplunkDestinationOptions options, string token, Guid channel)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.HecEndpoint);
        _client = client;
        _dataUrl = HecUrls.Data(options.HecEndpoint, options.HecEndpointType);
        _ackUrl = HecUrls.Ack(options.HecEndpoint);
        _authorization = "Splunk " + token;
        Channel = channel.ToString("D");
    }

    public string Channel { get; }

    public Uri DataUrl => _dataUrl;

    /// <summary>POSTs a body to the data endpoint and reads HEC's answer.</summary>
    public Task<HecAnswer> SendDataAsync(HttpContent content, CancellationToken cancellationToken)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return SendAsync(_dataUrl, content, static (status, body) => HecResponse.Parse(status, body), cancellationToken);
    }

    /// <summary>Asks whether <paramref name="ackId"/> is indexed: the answer, and the acknowledgement when it says (true or false).</summary>
    public Task<(HecAnswer Answer, bool? Acknowledged)> QueryAckAsync(long ackId, CancellationToken cancellationToken)
    {
        var content = new StringContent($"{{\"acks\":[{ackId.ToString(CultureInfo.InvariantCulture)}]}}", Encoding.UTF8, "application/json");
        return SendAsync(_ackUrl, content, (status, body) => (HecResponse.Parse(status, body), HecResponse.AckOf(body, ackId)), cancellationToken);
    }

    private async Task<T> SendAsync<T>(Uri url, HttpContent content, Func<int, byte[], T> read, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        message.Headers.TryAddWithoutValidation("Authorization", _authorization);
        message.Headers.TryAddWithoutValidation("X-Splunk-Request-Channel", Channel);
        string cookies = _cookies.GetCookieHeader(url);
        if (cookies.Length > 0)
        {
            message.Headers.TryAddWithoutValidation("Cookie", cookies);
        }

        using HttpResponseMessage response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Set-Cookie", out IEnumerable<string>? setCookies))
        {
            foreach (string cookie in setCookies)
            {
                try
                {
                    _cookies.SetCookies(url, cookie);
                }
                catch (CookieException)
                {
                    // A cookie the container cannot hold is one the collector will not see again; stickiness then rests on the others.
                }
            }
        }

        byte[] body = await HttpEndpointResponse.ReadLimitedAsync(response.Content, MaxAnswerBytes, cancellationToken).ConfigureAwait(false) ?? [];
        return read((int)response.StatusCode, body);
    }
}
