using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.Configuration;

/// <summary>
/// Which settings hold secrets, and which part of a value is one: what never reaches an error message, a log line or
/// <c>describe</c>. Names of secrets are often chosen by whoever writes the configuration (a header, a plugin setting,
/// a common attribute), so the rule is a pattern on the name, not a list of settings:
/// <list type="bullet">
/// <item>a name (compared ignoring case, '-', '_', '.' and spaces) containing password, passwd, passphrase, secret,
/// token, credential, authorization, cookie, signature, apikey, accesskey or privatekey, or ending in key, auth or
/// pwd. Names ending in key that name data rather than unlock it (PartitionKey, SortKey, HashKey, PrimaryKey,
/// ObjectKey, RoutingKey, KmsKey) are not secrets, nor are KeyColumns or ColumnToJsonKeyMappings, which do not end
/// in key, nor names ending in Variable (SecretAccessKeyVariable), which name the environment variable a secret is
/// read from: the value of a secret name is hidden whole;</item>
/// <item>in any other value: a URL's user info, query values and fragment; in <c>key=value;...</c> text (a
/// connection string), the value of each secret key (Password, PWD, SSL Password...); in free text (Redshift's
/// CopyOptions), the quoted value after a secret word (<c>ACCESS_KEY_ID '...'</c>, <c>CREDENTIALS '...'</c>).</item>
/// </list>
/// </summary>
internal static partial class SecretSettings
{
    public const string Hidden = "(hidden)";

    private static readonly string[] SecretWords =
        ["password", "passwd", "passphrase", "secret", "token", "credential", "authorization", "cookie", "signature", "apikey", "accesskey", "privatekey"];

    private static readonly string[] SecretEndings = ["key", "auth", "pwd"];

    private static readonly string[] DataKeys = ["partitionkey", "sortkey", "hashkey", "primarykey", "objectkey", "routingkey", "kmskey"];

    // A setting whose name ends so names the environment variable a secret is read from, not the secret.
    private const string VariableEnding = "variable";

    // Settings that hold URLs, read as URLs even when they are not valid ones.
    private static readonly string[] UrlNames = ["url", "uri", "endpoint"];

    /// <summary>Whether the value of a setting (or dictionary entry) of this name is a secret as a whole.</summary>
    public static bool IsSecret(string name)
    {
        string normalized = NormalizedName(name);
        if (normalized.EndsWith(VariableEnding, StringComparison.Ordinal))
        {
            return false;
        }

        return SecretWords.Any(normalized.Contains)
            || (SecretEndings.Any(normalized.EndsWith) && !DataKeys.Any(normalized.EndsWith));
    }

    /// <summary>The value of the setting <paramref name="name"/> as it may be shown: its secret parts, or all of it, hidden.</summary>
    public static string Redact(string name, string value)
    {
        if (IsSecret(name))
        {
            return Hidden;
        }

        if (StartsWithScheme().IsMatch(value) || UrlNames.Any(NormalizedName(name).EndsWith))
        {
            return RedactUrl(value);
        }

        string pairs = KeyValuePair().Replace(value, pair => IsSecret(pair.Groups["key"].Value) ? pair.Groups["name"].Value + Hidden : pair.Value);
        return QuotedAfterWord().Replace(pairs, quoted => IsSecret(quoted.Groups["word"].Value) ? $"{quoted.Groups["word"].Value}{quoted.Groups["gap"].Value}'{Hidden}'" : quoted.Value);
    }

    /// <summary>The URL setting <paramref name="name"/> as it may be shown, relative or not even a URL included.</summary>
    public static string Redact(string name, Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return IsSecret(name) ? Hidden : RedactUrl(url.OriginalString);
    }

    /// <summary>
    /// The URL with its user info, query values and fragment hidden. Worked on the text, so that it also covers what
    /// does not parse as an absolute URL (a message about a mistyped one must not show its token either).
    /// </summary>
    public static string RedactUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        int end = url.IndexOfAny(['?', '#']);
        string head = end < 0 ? url : url[..end];
        int authority = head.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? scheme + "://".Length : 0;
        int path = head.IndexOf('/', authority) is var slash and >= 0 ? slash : head.Length;
        if (head.AsSpan(authority, path - authority).LastIndexOf('@') is var at and >= 0)
        {
            head = head[..authority] + Hidden + head[(authority + at)..];
        }

        if (end < 0)
        {
            return head;
        }

        int fragment = url.IndexOf('#', end);
        string query = url[end] == '?' ? "?" + HideValues(url[(end + 1)..(fragment < 0 ? url.Length : fragment)]) : "";
        return head + query + (fragment < 0 ? "" : "#" + Hidden);
    }

    // Keeps a query's parameter names; a part without '=' is a value.
    private static string HideValues(string query) =>
        string.Join('&', query.Split('&').Select(part => part.IndexOf('=', StringComparison.Ordinal) is var equals and >= 0 ? part[..(equals + 1)] + Hidden : Hidden));

    /// <summary>
    /// The messages with every quoted value that holds a secret replaced by its redacted form: a rule in any assembly
    /// may quote the value it rejects, and none of them knows which values are secret.
    /// </summary>
    public static IReadOnlyList<ConfigurationValidationError> Scrub(IReadOnlyList<ConfigurationValidationError> errors, IConfiguration configuration)
    {
        (string Raw, string Shown)[] secrets =
        [
            .. configuration.AsEnumerable()
                .Where(pair => !string.IsNullOrEmpty(pair.Value))
                .Select(pair => (Raw: $"'{pair.Value}'", Shown: $"'{Redact(pair.Key[(pair.Key.LastIndexOf(':') + 1)..], pair.Value!)}'"))
                .Where(pair => pair.Raw != pair.Shown)
                .OrderByDescending(pair => pair.Raw.Length),
        ];
        return secrets.Length == 0
            ? errors
            : [.. errors.Select(error => error with { Problem = secrets.Aggregate(error.Problem, (problem, secret) => problem.Replace(secret.Raw, secret.Shown, StringComparison.Ordinal)) })];
    }

    private static string NormalizedName(string name) => NameSeparators().Replace(name, "").ToLowerInvariant();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*://")]
    private static partial Regex StartsWithScheme();

    [GeneratedRegex(@"[\s_.-]")]
    private static partial Regex NameSeparators();

    // One key=value pair of a connection string; a quoted value may hold ';' (doubled quotes escape a quote).
    [GeneratedRegex("""(?<=^|;)(?<name>(?<key>\s*[A-Za-z][\w .-]*)=)(?:\s*"(?:[^"]|"")*"\s*|\s*'(?:[^']|'')*'\s*|[^;]*)""")]
    private static partial Regex KeyValuePair();

    [GeneratedRegex(@"\b(?<word>[A-Za-z_][A-Za-z0-9_]*)(?<gap>\s+)'(?:[^']|'')*'")]
    private static partial Regex QuotedAfterWord();
}
