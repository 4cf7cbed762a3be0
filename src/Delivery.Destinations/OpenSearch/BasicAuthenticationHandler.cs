using System.Net.Http.Headers;
using System.Text;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Adds HTTP basic auth to every request of a pipeline's client, as SigV4 signing is added for Amazon OpenSearch
/// Service, so deliveries and the start-up check authenticate alike. The password comes from the environment
/// variable the configuration names and lives only in this handler's header value.
/// </summary>
public sealed class BasicAuthenticationHandler : DelegatingHandler
{
    private readonly AuthenticationHeaderValue _header;

    /// <param name="username">The user; no ':'.</param>
    /// <param name="password">The password, read from the environment.</param>
    public BasicAuthenticationHandler(string username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        _header = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
    }

    /// <summary>
    /// The handler for <paramref name="authentication"/>, its password read with <paramref name="environment"/>.
    /// Throws <see cref="InvalidOperationException"/> naming the variable when it is not set (validation at start
    /// reports that first).
    /// </summary>
    public static BasicAuthenticationHandler From(OpenSearchAuthenticationOptions authentication, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(authentication);
        ArgumentNullException.ThrowIfNull(environment);
        string variable = authentication.PasswordVariable ?? throw new InvalidOperationException("OpenSearch basic auth needs Authentication:PasswordVariable.");
        string password = environment(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The environment variable '{variable}' (OpenSearch:Authentication:PasswordVariable) is not set.");
        return new BasicAuthenticationHandler(authentication.Username ?? "", password);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = _header;
        return base.SendAsync(request, cancellationToken);
    }
}
