using Microsoft.Extensions.Options;

namespace Delivery.Destinations.Splunk;

/// <summary>
/// Checks <see cref="SplunkDestinationOptions"/>: its DataAnnotations, then what they cannot say (an absolute https base
/// URL without query or credentials, an event format only for the event endpoint). Whether the token's variable is set
/// is checked by the worker, which reads the environment.
/// </summary>
public sealed class SplunkDestinationOptionsValidator : IValidateOptions<SplunkDestinationOptions>
{
    private readonly SplunkDestinationOptionsAnnotationsValidator _annotations = new();

    public ValidateOptionsResult Validate(string? name, SplunkDestinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new ValidateOptionsResultBuilder();
        result.AddResult(_annotations.Validate(name, options));
        if (options.HecEndpoint is { } url)
        {
            if (UrlProblem(url, options.AllowPlainHttp) is { } problem)
            {
                result.AddError(problem, nameof(SplunkDestinationOptions.HecEndpoint));
            }
        }

        if (options.HecEndpointType == HecEndpointType.Raw && options.EventFormat != SplunkEventFormat.HecEvents)
        {
            result.AddError(
                $"'{options.EventFormat}' applies to the event endpoint only: set HecEndpointType to Event, or leave EventFormat out (the raw endpoint sends each record's bytes as a line).",
                nameof(SplunkDestinationOptions.EventFormat));
        }

        return result.Build();
    }

    private static string? UrlProblem(Uri url, bool allowPlainHttp)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return $"'{HecUrls.Safe(url)}' must be an absolute https:// URL, such as https://splunk.example.com:8088.";
        }

        if (url.Scheme == Uri.UriSchemeHttp && !allowPlainHttp)
        {
            return $"'{HecUrls.Safe(url)}' is plain http: records and the HEC token would travel unencrypted. Use https, or set AllowPlainHttp to true for a local collector.";
        }

        if (url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            return $"'{HecUrls.Safe(url)}' has user info, a query or a fragment: give the collector's base URL only (the token comes from HecTokenVariable).";
        }

        return url.AbsolutePath.Contains("/services/collector", StringComparison.OrdinalIgnoreCase)
            ? $"'{HecUrls.Safe(url)}' already names a collector path: give the base URL, such as {url.GetLeftPart(UriPartial.Authority)}; /services/collector/raw, /event and /ack are added to it."
            : null;
    }
}

/// <summary>The DataAnnotations half of the validation, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class SplunkDestinationOptionsAnnotationsValidator : IValidateOptions<SplunkDestinationOptions>
{
}
