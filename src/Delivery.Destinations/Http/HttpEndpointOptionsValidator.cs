using System.Text;
using Microsoft.Extensions.Options;

namespace Delivery.Destinations.Http;

/// <summary>
/// Checks <see cref="HttpEndpointOptions"/>: its DataAnnotations, then the rules they cannot say (an absolute https URL,
/// header limits, attribute characters). Every failure names its option; the access key's value never appears in a message.
/// Which characters the access key may hold is checked by the worker with every other configured header.
/// </summary>
public sealed class HttpEndpointOptionsValidator : IValidateOptions<HttpEndpointOptions>
{
    private readonly HttpEndpointOptionsAnnotationsValidator _annotations = new();

    public ValidateOptionsResult Validate(string? name, HttpEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new ValidateOptionsResultBuilder();
        result.AddResult(_annotations.Validate(name, options));
        if (options.Url is { } url)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                result.AddError($"'{url.OriginalString}' must be an absolute https:// URL.", nameof(HttpEndpointOptions.Url));
            }
            else if (url.Scheme == Uri.UriSchemeHttp && !options.AllowPlainHttp)
            {
                result.AddError(
                    $"'{HttpEndpointRequest.SafeUrl(url)}' is plain http: records and the access key would travel unencrypted. Use https, or set AllowPlainHttp to true for a local receiver.",
                    nameof(HttpEndpointOptions.Url));
            }
        }

        if (options.AccessKey is { } key && Encoding.UTF8.GetByteCount(key) > HttpEndpointOptions.MaxAccessKeyBytes)
        {
            result.AddError($"the access key takes more than {HttpEndpointOptions.MaxAccessKeyBytes} UTF-8 bytes.", nameof(HttpEndpointOptions.AccessKey));
        }

        ValidateCommonAttributes(options.CommonAttributes, result);
        return result.Build();
    }

    private static void ValidateCommonAttributes(Dictionary<string, string>? attributes, ValidateOptionsResultBuilder result)
    {
        if (attributes is null)
        {
            return;
        }

        if (attributes.Count > HttpEndpointOptions.MaxCommonAttributes)
        {
            result.AddError($"{attributes.Count} attributes are configured; at most {HttpEndpointOptions.MaxCommonAttributes} are allowed.", nameof(HttpEndpointOptions.CommonAttributes));
        }

        foreach ((string key, string value) in attributes)
        {
            if (string.IsNullOrWhiteSpace(key) || !IsHeaderSafe(key) || !IsHeaderSafe(value ?? ""))
            {
                result.AddError($"attribute '{key}' has an empty name or a control character in its name or value.", nameof(HttpEndpointOptions.CommonAttributes));
            }
        }
    }

    private static bool IsHeaderSafe(string value) => !value.Any(char.IsControl);
}

/// <summary>The DataAnnotations half of the validation, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class HttpEndpointOptionsAnnotationsValidator : IValidateOptions<HttpEndpointOptions>
{
}
