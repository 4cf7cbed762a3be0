using System.Globalization;
using System.Text;

namespace Delivery.Transforms.Query;

/// <summary>A value inside a query: what a path found in a record, or what a step made of it.</summary>
public readonly struct JqValue
{
    private JqValue(JqKind kind, string? text, double number, IReadOnlyList<JqValue>? items, DateTimeOffset time)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Items = items;
        Time = time;
    }

    public JqKind Kind { get; }

    /// <summary>The string of a <see cref="JqKind.String"/>; for a number read from a record, its JSON text.</summary>
    public string? Text { get; }

    public double Number { get; }

    public IReadOnlyList<JqValue>? Items { get; }

    /// <summary>The time of a <see cref="JqKind.Time"/> (what <c>strptime</c> makes, jq's "broken down time").</summary>
    public DateTimeOffset Time { get; }

    public static JqValue Missing { get; } = new(JqKind.Missing, null, 0, null, default);

    public static JqValue Null { get; } = new(JqKind.Null, null, 0, null, default);

    public static JqValue Object { get; } = new(JqKind.Object, null, 0, null, default);

    public static JqValue FromString(string text) => new(JqKind.String, text, 0, null, default);

    public static JqValue FromNumber(double number, string? jsonText = null) => new(JqKind.Number, jsonText, number, null, default);

    public static JqValue FromBool(bool value) => new(value ? JqKind.True : JqKind.False, null, 0, null, default);

    public static JqValue FromArray(IReadOnlyList<JqValue> items) => new(JqKind.Array, null, 0, items, default);

    public static JqValue FromTime(DateTimeOffset time) => new(JqKind.Time, null, 0, null, time);

    /// <summary>What a partition key becomes: strings as they are, numbers and booleans as jq prints them.</summary>
    public string ToKeyText() => Kind switch
    {
        JqKind.String => Text!,
        JqKind.Number => Text ?? FormatNumber(Number),
        JqKind.True => "true",
        JqKind.False => "false",
        _ => throw new JqException($"{Describe()} cannot be a partition key value"),
    };

    /// <summary>jq's <c>tostring</c>: JSON text for anything but a string.</summary>
    public string ToJqString() => Kind switch
    {
        JqKind.String => Text!,
        JqKind.Null => "null",
        JqKind.Array => "[" + string.Join(",", Items!.Select(item => item.Kind == JqKind.String ? "\"" + item.Text + "\"" : item.ToJqString())) + "]",
        _ => ToKeyText(),
    };

    /// <summary>The kind of value, with its article, for messages: "a string", "an object".</summary>
    public string Describe() => Kind switch
    {
        JqKind.Missing => "a missing value",
        JqKind.Null => "null",
        JqKind.String => "a string",
        JqKind.Number => "a number",
        JqKind.True or JqKind.False => "a boolean",
        JqKind.Array => "an array",
        JqKind.Object => "an object",
        _ => "a broken-down time",
    };

    // jq 1.6 prints integral numbers without a fraction and others with up to 17 significant digits.
    public static string FormatNumber(double number)
    {
        if (Math.Abs(number) < 1e17 && number == Math.Floor(number))
        {
            return ((long)number).ToString(CultureInfo.InvariantCulture);
        }

        return number.ToString("G17", CultureInfo.InvariantCulture);
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Kind);
        if (Kind is JqKind.String or JqKind.Number)
        {
            text.Append(' ').Append(ToJqString());
        }

        return text.ToString();
    }
}

/// <summary>The kinds of <see cref="JqValue"/>.</summary>
public enum JqKind
{
    /// <summary>The path led nowhere.</summary>
    Missing,
    Null,
    True,
    False,
    Number,
    String,
    Array,
    Object,
    Time,
}
