using System.Net;
using System.Text.Json;
using Delivery.Destinations.Retrying;

namespace Delivery.Destinations.Http;

/// <summary>The Firehose rules for a receiver's answer: what counts as delivered, what is retried, what is permanent.</summary>
internal static class HttpEndpointResponse
{
    private const int MaxQuotedMessageChars = 512;

    /// <summary>Reads at most <paramref name="limit"/> bytes of the body; null when it is longer.</summary>
    public static async Task<byte[]?> ReadLimitedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new MemoryStream();
            byte[] chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            return buffer.ToArray();
        }
    }

    /// <summary>
    /// Only 200 with a JSON body whose requestId is the request's own is success; 413 is permanent; anything else is
    /// retried. The receiver's errorMessage, if any, is kept in the outcome for the failed-record output.
    /// </summary>
    public static AttemptOutcome Interpret(HttpStatusCode status, byte[]? body, string requestId)
    {
        if (body is null)
        {
            return AttemptOutcome.Retryable("HttpEndpoint.ResponseTooLarge", $"status {(int)status}: the response body exceeds {HttpEndpointBatchWriter.MaxResponseBytes} bytes.");
        }

        (string? echoedId, string? errorMessage, bool parsed) = Parse(body);
        if (status == HttpStatusCode.RequestEntityTooLarge)
        {
            return AttemptOutcome.Permanent("HttpEndpoint.RequestEntityTooLarge", Describe(status, errorMessage ?? "the receiver refuses requests this large."));
        }

        if (status != HttpStatusCode.OK)
        {
            return AttemptOutcome.Retryable("HttpEndpoint.DestinationException", Describe(status, errorMessage ?? "the receiver did not accept the request."));
        }

        if (!parsed)
        {
            return AttemptOutcome.Retryable("HttpEndpoint.InvalidResponseFromDestination", "status 200, but the body is not a JSON object with a requestId.");
        }

        return echoedId == requestId
            ? AttemptOutcome.Success
            : AttemptOutcome.Retryable(
                "HttpEndpoint.InvalidResponseFromDestination",
                $"status 200, but the response's requestId '{Truncate(echoedId ?? "(none)")}' is not the request's '{requestId}'.");
    }

    private static (string? RequestId, string? ErrorMessage, bool Parsed) Parse(byte[] body)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null, false);
            }

            string? id = document.RootElement.TryGetProperty("requestId", out JsonElement idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
            string? message = document.RootElement.TryGetProperty("errorMessage", out JsonElement messageElement) && messageElement.ValueKind == JsonValueKind.String
                ? messageElement.GetString()
                : null;
            return (id, message, id is not null);
        }
        catch (JsonException)
        {
            return (null, null, false);
        }
    }

    private static string Describe(HttpStatusCode status, string message) => $"status {(int)status}: {Truncate(message)}";

    private static string Truncate(string text) => text.Length <= MaxQuotedMessageChars ? text : text[..MaxQuotedMessageChars] + "...";
}
