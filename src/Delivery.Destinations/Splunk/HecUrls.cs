namespace Delivery.Destinations.Splunk;

/// <summary>The collector's URLs, from the configured base URL (whose own path, behind a proxy, is kept).</summary>
public static class HecUrls
{
    /// <summary>Where records are POSTed: <c>&lt;base&gt;/services/collector/raw</c> or <c>/event</c>.</summary>
    public static Uri Data(Uri baseUrl, HecEndpointType type) => Under(baseUrl, type == HecEndpointType.Raw ? "services/collector/raw" : "services/collector/event");

    /// <summary>Where acknowledgements are asked for: <c>&lt;base&gt;/services/collector/ack</c>.</summary>
    public static Uri Ack(Uri baseUrl) => Under(baseUrl, "services/collector/ack");

    /// <summary>The URL without user info, query or fragment, which may hold credentials: what logs and errors may show.</summary>
    public static string Safe(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri ? url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(relative URL)";
    }

    private static Uri Under(Uri baseUrl, string path)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        string root = baseUrl.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');
        return new Uri($"{root}/{path}");
    }
}
