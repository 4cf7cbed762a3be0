using System.Net;
using System.Net.Sockets;
using Delivery.Destinations.Checks;

namespace Delivery.Destinations.Http;

/// <summary>
/// Checks at start that an HTTP endpoint can be reached: its host resolves, and it accepts a TCP connection within the
/// connect timeout. Nothing is sent: a request would be a delivery the receiver must understand. An unknown host is
/// permanent; a refused or timed-out connection is transient (a receiver in the same task may still be starting). When
/// a proxy carries the requests, the proxy resolves and connects, so the check passes without trying.
/// </summary>
public sealed class HttpEndpointCheck : IDestinationCheck
{
    private readonly Uri _url;
    private readonly TimeSpan _connectTimeout;
    private readonly IWebProxy? _proxy;
    private readonly TimeProvider _time;

    /// <param name="url">The endpoint URL.</param>
    /// <param name="connectTimeout">How long the connection may take (the pipeline's ConnectTimeoutSeconds).</param>
    /// <param name="setting">The configuration key of the URL.</param>
    /// <param name="proxy">The proxy requests go through, if any; default <see cref="HttpClient.DefaultProxy"/>, as the pipeline's client uses.</param>
    /// <param name="timeProvider">Times the connection; default <see cref="TimeProvider.System"/>.</param>
    public HttpEndpointCheck(Uri url, TimeSpan connectTimeout, string setting, IWebProxy? proxy = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(setting);
        _url = url;
        _connectTimeout = connectTimeout;
        _proxy = proxy ?? HttpClient.DefaultProxy;
        _time = timeProvider ?? TimeProvider.System;
        Setting = setting;
    }

    public string Setting { get; }

    /// <summary>Host and port only: the path and query of an endpoint URL may hold a token.</summary>
    public string Target => $"{_url.IdnHost}:{_url.Port}";

    /// <summary>Whether a failed name lookup can clear up by itself.</summary>
    public static CheckOutcome ClassifyLookup(string host, SocketError error) => error is SocketError.HostNotFound or SocketError.NoData
        ? CheckOutcome.Permanent($"the host '{host}' does not resolve ({error})")
        : CheckOutcome.Transient($"the host '{host}' could not be looked up ({error})");

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        if (_proxy is not null && !_proxy.IsBypassed(_url) && _proxy.GetProxy(_url) is not null)
        {
            // Checking the host from here would test a path the requests never take.
            return CheckOutcome.Ok;
        }

        string host = _url.IdnHost;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException exception)
            {
                return ClassifyLookup(host, exception.SocketErrorCode);
            }
        }

        return await ConnectAsync(addresses, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CheckOutcome> ConnectAsync(IPAddress[] addresses, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_connectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(addresses, _url.Port, linked.Token).ConfigureAwait(false);
            return CheckOutcome.Ok;
        }
        catch (SocketException exception)
        {
            return CheckOutcome.Transient($"no connection to {Target} ({exception.SocketErrorCode})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CheckOutcome.Transient($"no connection to {Target} within {_connectTimeout.TotalSeconds:0} s");
        }
    }
}
