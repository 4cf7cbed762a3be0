using System.Buffers;
using Delivery.Transforms.Processing;

namespace Delivery.Worker.Configuration;

/// <summary>
/// What an HTTP request can carry in a header, checked at start for every configured header: the HTTP endpoint's
/// access key and the HTTP transform's headers. .NET's handler refuses a value with a line break or a character outside
/// ASCII when it sends, which would fail every request as a network error and retry it until the records go to the
/// backup bucket; and it leaves out, without a word, a header whose name is not a token or is a content header.
/// Values are never quoted: they are usually secrets.
/// </summary>
internal static class HttpHeaderRules
{
    // RFC 9110 tchar: the characters of a header name.
    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    internal static void Validate(string path, PipelineOptions pipeline, List<ConfigurationValidationError> errors)
    {
        if (pipeline.HttpEndpoint?.AccessKey is { Length: > 0 } key && ValueProblem(key) is { } keyProblem)
        {
            errors.Add(new($"{path}:HttpEndpoint:AccessKey", $"the access key {keyProblem}"));
        }

        IReadOnlyList<ProcessorOptions> processors = pipeline.Processing?.Processors ?? [];
        for (int i = 0; i < processors.Count; i++)
        {
            foreach ((string name, string value) in processors[i].Headers ?? [])
            {
                if ((NameProblem(name) ?? ValueProblem(value ?? "")) is { } problem)
                {
                    errors.Add(new($"{path}:Processing:Processors:{i}:Headers:{name}", problem));
                }
            }
        }
    }

    private static string? NameProblem(string name)
    {
        if (name.Length == 0 || name.AsSpan().ContainsAnyExcept(TokenCharacters))
        {
            return "is not a header name: a name is letters, digits and !#$%&'*+-.^_`|~ only.";
        }

        using var request = new HttpRequestMessage();
        return request.Headers.TryAddWithoutValidation(name, "") ? null : "is a content header, set by Delivery for the event it sends; a configured one would not be sent.";
    }

    internal static string? ValueProblem(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] is not ((>= ' ' and <= '~') or '\t'))
            {
                string what = value[i] is '\r' or '\n' ? "a line break" : "a character that is not visible ASCII";
                return $"has {what} at character {i + 1}: an HTTP header value cannot carry it, so every request would fail.";
            }
        }

        return value.Length > 0 && (value[0] is ' ' or '\t' || value[^1] is ' ' or '\t')
            ? "has whitespace at its start or end, which a receiver trims from an HTTP header value."
            : null;
    }
}
