using System.Net;
using System.Text;
using Delivery.Destinations.Retrying;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Which refusals are worth another attempt, and the error codes failed documents carry: <c>OpenSearch.</c> and the
/// error type in Pascal case (<c>mapper_parsing_exception</c> is <c>OpenSearch.MapperParsingException</c>), or a name
/// for the HTTP status when the cluster gave no type.
/// </summary>
internal static class OpenSearchErrors
{
    // The cluster is busy or blocked for now: an overloaded write queue (Elasticsearch's name, then OpenSearch's),
    // or a write block that an operator lifts (a full disk, a read-only index).
    private static readonly HashSet<string> RetryableTypes = new(StringComparer.Ordinal)
    {
        "es_rejected_execution_exception", "rejected_execution_exception", "cluster_block_exception",
    };

    /// <summary>Whether a document refused with <paramref name="status"/> and <paramref name="type"/> may be indexed by trying again.</summary>
    public static bool IsRetryableItem(int status, string? type) =>
        status is 429 or >= 500 || (type is not null && RetryableTypes.Contains(type));

    /// <summary>
    /// Whether a whole request refused with <paramref name="status"/> is tried again: throttling, server errors, and
    /// refused credentials or permissions (an operator can fix them within the retry duration, and the records are
    /// safe meanwhile). A request the cluster cannot take (400, 404, 405, 413, a redirect) is given up at once.
    /// </summary>
    public static bool IsRetryableRequest(HttpStatusCode status) => (int)status is 401 or 403 or 408 or 429 or >= 500;

    /// <summary>The error code of a refusal with <paramref name="type"/> (null when the cluster gave none) and <paramref name="status"/>.</summary>
    public static string Code(string? type, int status)
    {
        if (!string.IsNullOrEmpty(type) && type.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            var code = new StringBuilder("OpenSearch.", 11 + type.Length);
            foreach (string word in type.Split('_', StringSplitOptions.RemoveEmptyEntries))
            {
                code.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
            }

            return code.ToString();
        }

        return status switch
        {
            401 => "OpenSearch.Unauthorized",
            403 => "OpenSearch.AccessDenied",
            404 => "OpenSearch.NotFound",
            413 => "OpenSearch.RequestEntityTooLarge",
            429 => "OpenSearch.TooManyRequests",
            >= 500 => "OpenSearch.ServerError",
            _ => "OpenSearch.RequestFailed",
        };
    }

    /// <summary>The outcome of a whole request the cluster answered with an error status.</summary>
    public static AttemptOutcome ForRequest(HttpStatusCode status, byte[] body)
    {
        (string? type, string? reason) = BulkResponse.ParseError(body);
        string message = $"status {(int)status}: {BulkResponse.Quote(reason ?? (body.Length == 0 ? "(empty body)" : Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 512)))))}";
        string code = Code(type, (int)status);
        return IsRetryableRequest(status) ? AttemptOutcome.Retryable(code, message) : AttemptOutcome.Permanent(code, message);
    }
}
