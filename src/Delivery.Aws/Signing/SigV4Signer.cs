using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace Delivery.Aws.Signing;

/// <summary>
/// Signs <see cref="HttpRequestMessage"/>s with AWS Signature Version 4 (Authorization header form) for one region and
/// service. Each step (canonical request, string to sign, signing key) is public so it can be checked against the
/// published AWS test suite.
/// </summary>
public sealed class SigV4Signer
{
    /// <summary>The algorithm name written into the string to sign and the Authorization header.</summary>
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The hex SHA-256 of an empty payload.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>The payload hash S3 accepts when the body is not signed.</summary>
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    // Headers that proxies, the HTTP stack or tracing may add or rewrite after signing; signing them would make a
    // correct request fail verification.
    private static readonly HashSet<string> UnsignedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "user-agent", "expect", "connection", "keep-alive", "proxy-authorization", "proxy-connection",
        "te", "trailer", "transfer-encoding", "upgrade", "x-amzn-trace-id",
    };

    private readonly bool _isS3;

    /// <summary>Creates a signer for one region and service.</summary>
    /// <param name="region">The signing region, for example <c>us-east-1</c>.</param>
    /// <param name="service">The signing name of the service, for example <c>kinesis</c> or <c>s3</c>.</param>
    /// <param name="addContentSha256Header">
    /// Whether to send the payload hash as <c>x-amz-content-sha256</c> (S3 requires it; other services ignore it).
    /// Default false.
    /// </param>
    public SigV4Signer(string region, string service, bool addContentSha256Header = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        Region = region;
        Service = service;
        AddContentSha256Header = addContentSha256Header;
        _isS3 = string.Equals(service, "s3", StringComparison.Ordinal);
    }

    /// <summary>The signing region.</summary>
    public string Region { get; }

    /// <summary>The signing name of the service.</summary>
    public string Service { get; }

    /// <summary>Whether <c>x-amz-content-sha256</c> is added to each signed request.</summary>
    public bool AddContentSha256Header { get; }

    /// <summary>
    /// Adds <c>X-Amz-Date</c>, <c>X-Amz-Security-Token</c> (session credentials only), optionally
    /// <c>x-amz-content-sha256</c>, and the <c>Authorization</c> header. Signing again replaces an earlier signature.
    /// </summary>
    /// <param name="request">The request to sign; its URI must be absolute.</param>
    /// <param name="credentials">The credentials to sign with.</param>
    /// <param name="signingTime">The request time, from the caller's <see cref="TimeProvider"/>.</param>
    /// <param name="payloadHash">Lowercase hex SHA-256 of the body (see <see cref="HashPayload"/>), or <see cref="UnsignedPayload"/>.</param>
    public void Sign(HttpRequestMessage request, ImmutableCredentials credentials, DateTimeOffset signingTime, string payloadHash)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(payloadHash);

        HttpRequestHeaders headers = request.Headers;
        headers.Remove("Authorization");
        headers.Remove("X-Amz-Date");
        headers.Remove("X-Amz-Security-Token");
        headers.Remove("x-amz-content-sha256");

        string amzDate = FormatAmzDate(signingTime);
        headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (credentials.UseToken)
        {
            headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.Token);
        }

        if (AddContentSha256Header)
        {
            headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        }

        SigV4CanonicalRequest canonical = CreateCanonicalRequest(request, payloadHash);
        string scope = CredentialScope(signingTime);
        string stringToSign = CreateStringToSign(signingTime, scope, canonical.Text);
        byte[] signingKey = DeriveSigningKey(credentials.SecretKey, signingTime, Region, Service);
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

        headers.TryAddWithoutValidation(
            "Authorization",
            $"{Algorithm} Credential={credentials.AccessKey}/{scope}, SignedHeaders={canonical.SignedHeaders}, Signature={signature}");
    }

    /// <summary>The credential scope <c>yyyyMMdd/region/service/aws4_request</c> for a signing time.</summary>
    public string CredentialScope(DateTimeOffset signingTime) =>
        $"{FormatDateStamp(signingTime)}/{Region}/{Service}/aws4_request";

    /// <summary>Builds the canonical request (step 1) from the request as it stands, including its headers.</summary>
    public SigV4CanonicalRequest CreateCanonicalRequest(HttpRequestMessage request, string payloadHash)
    {
        ArgumentNullException.ThrowIfNull(request);
        Uri uri = request.RequestUri is { IsAbsoluteUri: true } absolute
            ? absolute
            : throw new ArgumentException("SigV4 signing needs an absolute request URI.", nameof(request));

        return CreateCanonicalRequest(request.Method.Method, uri, CollectHeaders(request, uri), payloadHash);
    }

    /// <summary>
    /// Builds the canonical request (step 1) from a request's parts: what a receiver verifying a signature has, with
    /// <paramref name="headers"/> being exactly the headers the signature covers (any case; values as received, several
    /// values of one header joined with commas).
    /// </summary>
    /// <param name="method">The HTTP method, such as <c>POST</c>.</param>
    /// <param name="uri">The absolute request URI; its path and query are used as they are on the wire.</param>
    /// <param name="headers">The signed headers and their values.</param>
    /// <param name="payloadHash">Lowercase hex SHA-256 of the body.</param>
    public SigV4CanonicalRequest CreateCanonicalRequest(string method, Uri uri, IEnumerable<KeyValuePair<string, string>> headers, string payloadHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(headers);
        var canonicalHeaders = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, string value) in headers)
        {
            canonicalHeaders[name.ToLowerInvariant()] = NormalizeHeaderValue(value);
        }

        string signedHeaders = string.Join(';', canonicalHeaders.Keys);
        var text = new StringBuilder(256)
            .Append(method).Append('\n')
            .Append(CanonicalPath(uri)).Append('\n')
            .Append(CanonicalQuery(uri.Query)).Append('\n');
        foreach ((string name, string value) in canonicalHeaders)
        {
            text.Append(name).Append(':').Append(value).Append('\n');
        }

        text.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        return new SigV4CanonicalRequest(text.ToString(), signedHeaders);
    }

    /// <summary>Builds the string to sign (step 2): algorithm, time, scope and the hash of the canonical request.</summary>
    public static string CreateStringToSign(DateTimeOffset signingTime, string credentialScope, string canonicalRequest)
    {
        ArgumentNullException.ThrowIfNull(canonicalRequest);
        string canonicalHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));
        return $"{Algorithm}\n{FormatAmzDate(signingTime)}\n{credentialScope}\n{canonicalHash}";
    }

    /// <summary>Derives the signing key (step 3): HMAC chain over date, region, service and <c>aws4_request</c>.</summary>
    public static byte[] DeriveSigningKey(string secretKey, DateTimeOffset signingTime, string region, string service)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        byte[] key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretKey), Encoding.UTF8.GetBytes(FormatDateStamp(signingTime)));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    /// <summary>Lowercase hex SHA-256 of a payload, as the canonical request and <c>x-amz-content-sha256</c> want it.</summary>
    public static string HashPayload(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    /// <summary>The ISO 8601 basic format AWS uses for <c>X-Amz-Date</c>, for example <c>20150830T123600Z</c>.</summary>
    public static string FormatAmzDate(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string FormatDateStamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static SortedDictionary<string, string> CollectHeaders(HttpRequestMessage request, Uri uri)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        AddHeaders(result, request.Headers.NonValidated);
        if (request.Content is not null)
        {
            AddHeaders(result, request.Content.Headers.NonValidated);
        }

        // The HTTP stack writes Host from the URI when the request does not set it, omitting default ports.
        if (!result.ContainsKey("host"))
        {
            result["host"] = uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
        }

        return result;
    }

    private static void AddHeaders(SortedDictionary<string, string> result, HttpHeadersNonValidated headers)
    {
        foreach ((string name, HeaderStringValues values) in headers)
        {
            if (UnsignedHeaders.Contains(name))
            {
                continue;
            }

            string key = name.ToLowerInvariant();
            string value = string.Join(',', values.Select(NormalizeHeaderValue));
            result[key] = result.TryGetValue(key, out string? existing) ? existing + "," + value : value;
        }
    }

    // SigV4 trims a header value and collapses each run of spaces to one, even inside quotes.
    private static string NormalizeHeaderValue(string value)
    {
        ReadOnlySpan<char> trimmed = value.AsSpan().Trim();
        var builder = new StringBuilder(trimmed.Length);
        bool previousWasSpace = false;
        foreach (char c in trimmed)
        {
            bool isSpace = c is ' ' or '\t';
            if (!isSpace || !previousWasSpace)
            {
                builder.Append(isSpace ? ' ' : c);
            }

            previousWasSpace = isSpace;
        }

        return builder.ToString();
    }

    private string CanonicalPath(Uri uri)
    {
        string path = uri.AbsolutePath;
        if (path.Length == 0)
        {
            return "/";
        }

        if (!_isS3)
        {
            // Every service but S3 encodes the already-encoded wire path a second time.
            return UriEncode(path, keepSlash: true);
        }

        // S3 signs each segment encoded exactly once, whatever escaping the wire form used.
        return string.Join('/', path.Split('/').Select(segment => UriEncode(Uri.UnescapeDataString(segment), keepSlash: false)));
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length <= 1)
        {
            return "";
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (string part in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? part : part[..equals];
            string value = equals < 0 ? "" : part[(equals + 1)..];
            pairs.Add((UriEncode(Uri.UnescapeDataString(name), keepSlash: false), UriEncode(Uri.UnescapeDataString(value), keepSlash: false)));
        }

        pairs.Sort(static (a, b) =>
        {
            int byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(static p => p.Name + "=" + p.Value));
    }

    /// <summary>RFC 3986 encoding as SigV4 defines it: unreserved characters stay, every other UTF-8 byte is %XX uppercase.</summary>
    private static string UriEncode(string value, bool keepSlash)
    {
        var builder = new StringBuilder(value.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (Rune rune in value.EnumerateRunes())
        {
            if (rune.IsAscii && (IsUnreserved((char)rune.Value) || (keepSlash && rune.Value == '/')))
            {
                builder.Append((char)rune.Value);
                continue;
            }

            int length = rune.EncodeToUtf8(utf8);
            foreach (byte b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~';
}
