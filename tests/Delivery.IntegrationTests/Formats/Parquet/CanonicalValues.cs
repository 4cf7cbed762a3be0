using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delivery.IntegrationTests.Formats.Parquet;

/// <summary>
/// Compares what a reader returned with what the test expects, value by value, and says where they differ. Numbers are
/// compared as doubles (JSON text of the same double differs between .NET and JavaScript); everything else exactly.
/// </summary>
internal static class CanonicalValues
{
    /// <summary>Throws naming the first row and path whose value differs.</summary>
    /// <param name="reader">The reader's name, for the message.</param>
    /// <param name="expected">The rows that went in, in canonical form.</param>
    /// <param name="actual">The rows the reader returned.</param>
    /// <param name="approximateDecimals">
    /// hyparquet turns decimals into JavaScript numbers, which cannot hold 38 digits; for it a decimal (expected as a
    /// string) is compared as a double, to 15 significant digits.
    /// </param>
    public static void ShouldMatch(string reader, IReadOnlyList<JsonObject> expected, JsonArray actual, bool approximateDecimals = false)
    {
        actual.Count.ShouldBe(expected.Count, $"{reader}: row count");
        for (int row = 0; row < expected.Count; row++)
        {
            string? difference = Difference(expected[row], actual[row], "", approximateDecimals);
            if (difference is not null)
            {
                throw new ShouldAssertException($"{reader}: row {row}{difference}\nexpected row: {Truncate(expected[row].ToJsonString())}\nactual row:   {Truncate(actual[row]?.ToJsonString())}");
            }
        }
    }

    private static string? Difference(JsonNode? expected, JsonNode? actual, string path, bool approximateDecimals)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }

        switch (expected)
        {
            case JsonObject expectedObject:
                if (actual is not JsonObject actualObject)
                {
                    return $"{path}: expected an object, got {Show(actual)}";
                }

                if (expectedObject.Count != actualObject.Count)
                {
                    return $"{path}: expected keys {string.Join(",", expectedObject.Select(p => p.Key))}, got {string.Join(",", actualObject.Select(p => p.Key))}";
                }

                foreach ((string key, JsonNode? value) in expectedObject)
                {
                    if (!actualObject.TryGetPropertyValue(key, out JsonNode? other))
                    {
                        return $"{path}.{key}: missing";
                    }

                    if (Difference(value, other, $"{path}.{key}", approximateDecimals) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonArray expectedArray:
                if (actual is not JsonArray actualArray || actualArray.Count != expectedArray.Count)
                {
                    return $"{path}: expected {Truncate(expected.ToJsonString())}, got {Truncate(actual.ToJsonString())}";
                }

                for (int i = 0; i < expectedArray.Count; i++)
                {
                    if (Difference(expectedArray[i], actualArray[i], $"{path}[{i}]", approximateDecimals) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return SameValue(expected.AsValue(), actual, approximateDecimals) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }
    }

    private static bool SameValue(JsonValue expected, JsonNode actual, bool approximateDecimals)
    {
        if (actual is not JsonValue actualValue)
        {
            return false;
        }

        JsonValueKind kind = expected.GetValueKind();
        JsonValueKind actualKind = actualValue.GetValueKind();
        if (kind == JsonValueKind.Number && actualKind == JsonValueKind.Number)
        {
            return ToDouble(expected) == ToDouble(actualValue);
        }

        if (approximateDecimals && kind == JsonValueKind.String && actualKind == JsonValueKind.String
            && decimal.TryParse(expected.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && double.TryParse(actualValue.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out double approximate))
        {
            double exact = double.Parse(expected.GetValue<string>(), CultureInfo.InvariantCulture);
            return exact == approximate || Math.Abs(exact - approximate) <= Math.Abs(exact) * 1e-15;
        }

        return kind == actualKind && JsonNode.DeepEquals(expected, actual);
    }

    private static double ToDouble(JsonValue value) => double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Show(JsonNode? node) => node is null ? "null" : Truncate(node.ToJsonString());

    private static string Truncate(string? text) => text is null ? "null" : text.Length <= 300 ? text : text[..300] + $"... ({text.Length} chars)";
}
