using System.Globalization;

namespace Delivery.Transforms.Query;

/// <summary>One step of a key's expression after its path: applied to the value the path found, or to the previous step's result.</summary>
internal abstract class JqStep
{
    public abstract JqValue Apply(JqValue input);

    protected static JqException Cannot(string what, JqValue input) => new($"{what} cannot be applied to {input.Describe()}");
}

/// <summary><c>.name</c> after a non-path step: only ever meets values without fields, so it says how to write the path instead.</summary>
internal sealed class FieldStep(string name) : JqStep
{
    public override JqValue Apply(JqValue input) => input.Kind is JqKind.Null or JqKind.Missing
        ? JqValue.Null
        : throw new JqException($"cannot take field '{name}' of {input.Describe()}; put fields into the path that starts the expression");
}

/// <summary><c>.[n]</c> on an array (negative counts from the end); null past the end, as in jq.</summary>
internal sealed class IndexStep(int index) : JqStep
{
    public override JqValue Apply(JqValue input)
    {
        if (input.Kind is JqKind.Null or JqKind.Missing)
        {
            return JqValue.Null;
        }

        if (input.Kind != JqKind.Array)
        {
            throw Cannot($".[{index}]", input);
        }

        int at = index < 0 ? input.Items!.Count + index : index;
        return at >= 0 && at < input.Items!.Count ? input.Items[at] : JqValue.Null;
    }
}

/// <summary><c>.[from:to]</c> on a string (by characters) or an array; either end may be left out or negative.</summary>
internal sealed class SliceStep(int? from, int? to) : JqStep
{
    public override JqValue Apply(JqValue input)
    {
        int length = input.Kind switch
        {
            JqKind.String => input.Text!.Length,
            JqKind.Array => input.Items!.Count,
            JqKind.Null or JqKind.Missing => -1,
            _ => throw Cannot($".[{from}:{to}]", input),
        };
        if (length < 0)
        {
            return JqValue.Null;
        }

        int start = Math.Clamp(from is { } f ? (f < 0 ? length + f : f) : 0, 0, length);
        int end = Math.Clamp(to is { } t ? (t < 0 ? length + t : t) : length, start, length);
        return input.Kind == JqKind.String
            ? JqValue.FromString(input.Text![start..end])
            : JqValue.FromArray([.. input.Items!.Skip(start).Take(end - start)]);
    }
}

/// <summary><c>/ n</c>, <c>* n</c>, <c>+ n</c>, <c>- n</c> with a number literal, for milliseconds to seconds and the like.</summary>
internal sealed class ArithmeticStep(char op, double operand) : JqStep
{
    public override JqValue Apply(JqValue input)
    {
        if (input.Kind != JqKind.Number)
        {
            throw Cannot($"'{op} {JqValue.FormatNumber(operand)}'", input);
        }

        return JqValue.FromNumber(op switch
        {
            '/' => operand == 0 ? throw new JqException("division by zero") : input.Number / operand,
            '*' => input.Number * operand,
            '+' => input.Number + operand,
            _ => input.Number - operand,
        });
    }
}

/// <summary><c>// "default"</c>: the literal when the value is null, missing or false.</summary>
internal sealed class AlternativeStep(JqValue fallback) : JqStep
{
    public override JqValue Apply(JqValue input) => input.Kind is JqKind.Null or JqKind.Missing or JqKind.False ? fallback : input;
}

/// <summary>A built-in function; <see cref="JqParser"/> checks names and arguments when the query is read.</summary>
internal sealed class FunctionStep(string name, string? argument) : JqStep
{
    public const string Names = "tostring, tonumber, ascii_downcase, ascii_upcase, ltrimstr(s), rtrimstr(s), split(s), join(s), first, last, length, floor, "
        + "strftime(f), strptime(f), mktime, todate, todateiso8601, fromdate, fromdateiso8601";

    public static bool TakesArgument(string name) => name is "ltrimstr" or "rtrimstr" or "split" or "join" or "strftime" or "strptime";

    public static bool IsKnown(string name) => TakesArgument(name) || name is "tostring" or "tonumber" or "ascii_downcase" or "ascii_upcase"
        or "first" or "last" or "length" or "floor" or "mktime" or "todate" or "todateiso8601" or "fromdate" or "fromdateiso8601";

    public override JqValue Apply(JqValue input) => name switch
    {
        "tostring" => JqValue.FromString(input.ToJqString()),
        "tonumber" => input.Kind == JqKind.Number ? input : ToNumber(input),
        "ascii_downcase" => JqValue.FromString(AsciiCase(String(input), upper: false)),
        "ascii_upcase" => JqValue.FromString(AsciiCase(String(input), upper: true)),
        "ltrimstr" => input.Kind == JqKind.String && input.Text!.StartsWith(argument!, StringComparison.Ordinal) ? JqValue.FromString(input.Text[argument!.Length..]) : input,
        "rtrimstr" => input.Kind == JqKind.String && input.Text!.EndsWith(argument!, StringComparison.Ordinal) ? JqValue.FromString(input.Text[..^argument!.Length]) : input,
        "split" => JqValue.FromArray([.. String(input).Split(argument!).Select(JqValue.FromString)]),
        "join" => JqValue.FromString(string.Join(argument, Array(input).Select(item => item.Kind is JqKind.Null ? "" : item.ToJqString()))),
        "first" => new IndexStep(0).Apply(input),
        "last" => new IndexStep(-1).Apply(input),
        "length" => JqValue.FromNumber(input.Kind switch
        {
            JqKind.String => input.Text!.Length,
            JqKind.Array => input.Items!.Count,
            JqKind.Null => 0,
            JqKind.Number => Math.Abs(input.Number),
            _ => throw Cannot("length", input),
        }),
        "floor" => JqValue.FromNumber(Math.Floor(Number(input))),
        "strftime" => JqValue.FromString(JqTime.Format(Time(input), argument!)),
        "todate" or "todateiso8601" => JqValue.FromString(JqTime.Format(Time(input), "%Y-%m-%dT%H:%M:%SZ")),
        "strptime" => JqValue.FromTime(JqTime.Parse(String(input), argument!)),
        "mktime" => input.Kind == JqKind.Time ? JqValue.FromNumber(input.Time.ToUnixTimeSeconds()) : throw Cannot("mktime", input),
        "fromdate" or "fromdateiso8601" => JqValue.FromNumber(JqTime.ParseIso8601(String(input)).ToUnixTimeMilliseconds() / 1000.0),
        _ => throw new JqException($"unknown function {name}"),
    };

    private static JqValue ToNumber(JqValue input) =>
        input.Kind == JqKind.String && double.TryParse(input.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
            ? JqValue.FromNumber(number)
            : throw new JqException($"tonumber: {(input.Kind == JqKind.String ? $"'{input.Text}' is not a number" : $"cannot convert {input.Describe()}")}");

    // Only A-Z and a-z change, as in jq; other letters stay as they are.
    private static string AsciiCase(string text, bool upper) => string.Create(text.Length, (text, upper), static (span, state) =>
    {
        for (int i = 0; i < span.Length; i++)
        {
            char c = state.text[i];
            span[i] = state.upper ? (char.IsAsciiLetterLower(c) ? (char)(c - 32) : c) : (char.IsAsciiLetterUpper(c) ? (char)(c + 32) : c);
        }
    });

    private string String(JqValue input) => input.Kind == JqKind.String ? input.Text! : throw Cannot(name, input);

    private double Number(JqValue input) => input.Kind == JqKind.Number ? input.Number : throw Cannot(name, input);

    private IReadOnlyList<JqValue> Array(JqValue input) => input.Kind == JqKind.Array ? input.Items! : throw Cannot(name, input);

    // Epoch seconds (fractions are dropped, as C's gmtime does) or what strptime made.
    private DateTimeOffset Time(JqValue input) => input.Kind switch
    {
        JqKind.Time => input.Time,
        JqKind.Number when input.Number is >= -62135596800.0 and < 253402300800.0 => DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(input.Number)),
        JqKind.Number => throw new JqException($"{name}: {JqValue.FormatNumber(input.Number)} is out of range for epoch seconds (is it in milliseconds? divide by 1000)"),
        _ => throw Cannot(name, input),
    };
}
