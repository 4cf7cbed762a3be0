using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Checks <see cref="OpenSearchDestinationOptions"/>: its DataAnnotations and its authentication's, then the rules
/// they cannot say (an absolute https endpoint without credentials in it, OpenSearch's index name rules, the settings
/// each authentication mode needs). Every failure names its option; the password is not a setting, so none can quote it.
/// </summary>
public sealed class OpenSearchDestinationOptionsValidator : IValidateOptions<OpenSearchDestinationOptions>
{
    private const string Authentication = nameof(OpenSearchDestinationOptions.Authentication) + ":";

    private readonly OpenSearchDestinationOptionsAnnotationsValidator _annotations = new();

    public ValidateOptionsResult Validate(string? name, OpenSearchDestinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new ValidateOptionsResultBuilder();
        result.AddResult(_annotations.Validate(name, options));
        if (options.Endpoint is { } endpoint)
        {
            ValidateEndpoint(endpoint, options.AllowPlainHttp, result);
        }

        if (!string.IsNullOrEmpty(options.IndexName) && OpenSearchIndexNames.Problem(options.IndexName) is { } problem)
        {
            result.AddError($"'{options.IndexName}' {problem}", nameof(OpenSearchDestinationOptions.IndexName));
        }

        if (options.TypeName is { } type && (type.Length == 0 || type.Any(char.IsControl)))
        {
            result.AddError("a type name is not empty and holds no control characters; leave it out for OpenSearch and Elasticsearch 7 and later.", nameof(OpenSearchDestinationOptions.TypeName));
        }

        if (options.Authentication is { } authentication)
        {
            ValidateAuthentication(authentication, result);
        }

        return result.Build();
    }

    private static void ValidateEndpoint(Uri endpoint, bool allowPlainHttp, ValidateOptionsResultBuilder result)
    {
        const string Setting = nameof(OpenSearchDestinationOptions.Endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            result.AddError("the endpoint must be an absolute https:// URL, such as https://search-logs-abc123.eu-west-1.es.amazonaws.com.", Setting);
            return;
        }

        if (endpoint.UserInfo.Length > 0 || endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0)
        {
            result.AddError("the endpoint holds user info, a query or a fragment: give the cluster's URL alone, and a password in the environment variable Authentication:PasswordVariable names.", Setting);
        }

        if (endpoint.Scheme == Uri.UriSchemeHttp && !allowPlainHttp)
        {
            result.AddError(
                $"'{endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)}' is plain http: documents and credentials would travel unencrypted. Use https, or set AllowPlainHttp to true for a cluster on the same host or private network.",
                Setting);
        }
    }

    private static void ValidateAuthentication(OpenSearchAuthenticationOptions authentication, ValidateOptionsResultBuilder result)
    {
        // Checked member by member, so each failure names its own key (Authentication:Service), not the section.
        var failures = new List<ValidationResult>();
        Validator.TryValidateObject(authentication, new ValidationContext(authentication), failures, validateAllProperties: true);
        foreach (ValidationResult failure in failures)
        {
            result.AddError(failure.ErrorMessage ?? "is not valid.", (Authentication + failure.MemberNames.FirstOrDefault()).TrimEnd(':'));
        }

        bool basic = authentication.Mode == OpenSearchAuthenticationMode.Basic;
        if (basic && string.IsNullOrEmpty(authentication.Username))
        {
            result.AddError("is required with Mode Basic.", Authentication + nameof(OpenSearchAuthenticationOptions.Username));
        }

        if (basic && string.IsNullOrEmpty(authentication.PasswordVariable))
        {
            result.AddError(
                "is required with Mode Basic: name the environment variable that holds the password (passwords are read from the environment only, never from configuration).",
                Authentication + nameof(OpenSearchAuthenticationOptions.PasswordVariable));
        }

        if (authentication.Username is { Length: > 0 } user && (user.Contains(':', StringComparison.Ordinal) || user.Any(char.IsControl)))
        {
            result.AddError("a basic auth user name holds no ':' and no control characters.", Authentication + nameof(OpenSearchAuthenticationOptions.Username));
        }

        if (!basic && (!string.IsNullOrEmpty(authentication.Username) || !string.IsNullOrEmpty(authentication.PasswordVariable)))
        {
            result.AddError(
                $"Username or PasswordVariable is set, but Mode is {authentication.Mode}, which does not send them: set Mode to Basic, or remove them.",
                Authentication + nameof(OpenSearchAuthenticationOptions.Mode));
        }
    }
}

/// <summary>The DataAnnotations half of the validation, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class OpenSearchDestinationOptionsAnnotationsValidator : IValidateOptions<OpenSearchDestinationOptions>
{
}
