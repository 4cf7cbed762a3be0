using System.Collections.Frozen;

namespace Delivery.Worker.Health.Dashboard;

/// <summary>
/// The dashboard's page, style sheet, script and icon, embedded in the worker's assembly: the page works in a VPC with no way
/// out, and nothing is loaded from anywhere else.
/// </summary>
internal static class DashboardAssets
{
    /// <summary>
    /// What the browser may load and where it may connect: only these files and <c>/status</c>, from the worker itself.
    /// The script draws its charts as SVG elements, so no inline script, style or image is needed either.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, Asset> ByPath = new Dictionary<string, Asset>(StringComparer.Ordinal)
    {
        ["/"] = Load("index.html", "text/html; charset=utf-8"),
        ["/dashboard.css"] = Load("dashboard.css", "text/css; charset=utf-8"),
        ["/dashboard.js"] = Load("dashboard.js", "text/javascript; charset=utf-8"),
        ["/favicon.svg"] = Load("favicon.svg", "image/svg+xml"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The asset served at <paramref name="path"/>, if any.</summary>
    public static bool TryGet(string? path, out Asset asset) => ByPath.TryGetValue(path ?? "", out asset!);

    private static Asset Load(string name, string contentType)
    {
        using Stream stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("Dashboard/" + name)
            ?? throw new InvalidOperationException($"The dashboard's {name} is not embedded in the worker assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new Asset(contentType, copy.ToArray());
    }

    /// <summary>One embedded file and its content type.</summary>
    internal sealed record Asset(string ContentType, byte[] Content);
}
