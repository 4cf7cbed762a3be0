using System.Text;
using Delivery.Destinations.Http.Presets;
using Microsoft.Extensions.Options;

namespace Delivery.Destinations.Http;

/// <summary>
/// Checks <see cref="HttpEndpointOptions"/>: its DataAnnotations, then the rules they cannot say (a URL or a preset
/// whose site resolves, an absolute https URL, header limits, attribute characters). Every failure names its option; the access key's value never appears in a message.
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
        ValidateTarget(options, result);
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

    // Exactly one of Url and Preset; a preset's site and dataset must resolve to its published URL.
    private static void ValidateTarget(HttpEndpointOptions options, ValidateOptionsResultBuilder result)
    {
        switch (options)
        {
            case { Url: null, Preset: null }:
                result.AddError("is required: the receiver's URL, or set Preset (and Site) for a partner service.", nameof(HttpEndpointOptions.Url));
                break;
            case { Url: not null, Preset: { } preset }:
                result.AddError($"is set together with Preset {preset}, which supplies the URL: remove one of them.", nameof(HttpEndpointOptions.Url));
                break;
            case { Preset: { } preset } when Enum.IsDefined(preset):
                PresetResolution resolved = PartnerPresets.Resolve(preset, options.Site, options.Dataset);
                if (resolved.Problem is { } problem)
                {
                    result.AddError(problem, resolved.Setting!);
                }

                break;
        }

        // Without a URL either, the error above already asks for a preset (a misspelt one is reported where it is bound).
        if (options is { Preset: null, Url: not null } && (options.Site is not null || options.Dataset is not null))
        {
            result.AddError("is only used with Preset, which is not set.", options.Site is not null ? nameof(HttpEndpointOptions.Site) : nameof(HttpEndpointOptions.Dataset));
        }
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
