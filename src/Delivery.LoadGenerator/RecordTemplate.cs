using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Delivery.LoadGenerator;

/// <summary>
/// A record template in the spirit of the Kinesis Data Generator: literal text with <c>{{...}}</c> placeholders.
/// Placeholders: <c>{{seq}}</c> (record number), <c>{{uuid}}</c>, <c>{{int MIN MAX}}</c>, <c>{{float MIN MAX}}</c>,
/// <c>{{pick a|b|c}}</c>, <c>{{now}}</c> (ISO 8601 UTC), <c>{{epochMillis}}</c>, <c>{{ip}}</c>, <c>{{word}}</c>,
/// <c>{{text N}}</c> (N random words). Output is deterministic for a given seed and clock.
/// </summary>
public sealed partial class RecordTemplate
{
    private static readonly string[] Words =
    [
        "alpha", "bravo", "cart", "checkout", "delta", "echo", "home", "login", "logout", "mobile", "order", "page",
        "product", "search", "session", "signup", "tablet", "view", "web", "wishlist",
    ];

    private readonly List<Func<Random, long, DateTimeOffset, string>> _parts = [];

    public RecordTemplate(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        int position = 0;
        foreach (Match match in Placeholder().Matches(template))
        {
            string literal = template[position..match.Index];
            _parts.Add((_, _, _) => literal);
            _parts.Add(Compile(match.Groups[1].Value.Trim()));
            position = match.Index + match.Length;
        }

        string tail = template[position..];
        _parts.Add((_, _, _) => tail);
    }

    /// <summary>Built-in templates by name.</summary>
    public static IReadOnlyDictionary<string, string> BuiltIn { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["clickstream"] = """{"eventId":"{{uuid}}","seq":{{seq}},"eventTime":"{{now}}","userId":"u-{{int 1 50000}}","sessionId":"{{uuid}}","event":"{{pick page_view|add_to_cart|checkout|search|login}}","page":"/{{word}}/{{word}}","referrer":"https://{{word}}.example.com/","device":"{{pick mobile|desktop|tablet}}","ip":"{{ip}}","durationMs":{{int 5 30000}},"price":{{float 0 500}}}""",
        ["log"] = """{"ts":{{epochMillis}},"level":"{{pick INFO|INFO|INFO|WARN|ERROR}}","service":"{{pick api|web|worker}}","seq":{{seq}},"message":"{{text 8}}","latencyMs":{{int 1 2000}}}""",
        ["tiny"] = """{"id":{{seq}},"v":{{int 0 1000}}}""",
    };

    public string Render(Random random, long sequence, DateTimeOffset now)
    {
        var text = new StringBuilder();
        foreach (Func<Random, long, DateTimeOffset, string> part in _parts)
        {
            text.Append(part(random, sequence, now));
        }

        return text.ToString();
    }

    private static Func<Random, long, DateTimeOffset, string> Compile(string placeholder)
    {
        string[] words = placeholder.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        string arguments = words.Length > 1 ? words[1] : "";
        return words[0] switch
        {
            "seq" => (_, seq, _) => seq.ToString(CultureInfo.InvariantCulture),
            "uuid" => (random, _, _) => new Guid(Bytes(random, 16)).ToString(),
            "int" => Range(arguments, placeholder) is var (min, max) ? (random, _, _) => random.NextInt64(min, max + 1).ToString(CultureInfo.InvariantCulture) : throw Invalid(placeholder),
            "float" => Range(arguments, placeholder) is var (low, high) ? (random, _, _) => (low + (random.NextDouble() * (high - low))).ToString("0.00", CultureInfo.InvariantCulture) : throw Invalid(placeholder),
            "pick" => arguments.Split('|') is { Length: > 0 } choices && arguments.Length > 0 ? (random, _, _) => choices[random.Next(choices.Length)] : throw Invalid(placeholder),
            "now" => (_, _, now) => now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            "epochMillis" => (_, _, now) => now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            "ip" => (random, _, _) => $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}",
            "word" => (random, _, _) => Words[random.Next(Words.Length)],
            "text" => int.TryParse(arguments, CultureInfo.InvariantCulture, out int count) && count > 0
                ? (random, _, _) => string.Join(' ', Enumerable.Range(0, count).Select(_ => Words[random.Next(Words.Length)]))
                : throw Invalid(placeholder),
            _ => throw Invalid(placeholder),
        };
    }

    private static (long Min, long Max)? Range(string arguments, string placeholder)
    {
        string[] bounds = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return bounds.Length == 2 && long.TryParse(bounds[0], CultureInfo.InvariantCulture, out long min) && long.TryParse(bounds[1], CultureInfo.InvariantCulture, out long max) && min <= max
            ? (min, max)
            : throw Invalid(placeholder);
    }

    private static byte[] Bytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static FormatException Invalid(string placeholder) =>
        new($"Template placeholder '{{{{{placeholder}}}}}' is not understood. Known: seq, uuid, int MIN MAX, float MIN MAX, pick a|b|c, now, epochMillis, ip, word, text N.");

    [GeneratedRegex(@"\{\{(.*?)\}\}")]
    private static partial Regex Placeholder();
}
