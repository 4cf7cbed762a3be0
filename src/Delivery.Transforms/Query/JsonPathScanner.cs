using System.Text;
using System.Text.Json;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Query;

/// <summary>
/// Finds the values at a set of paths in a JSON record in one forward pass with <see cref="Utf8JsonReader"/>: subtrees no
/// path enters are skipped unread, and the scan stops as soon as every path is found. No document is built; this is what
/// keeps partition-key extraction cheap next to compression.
/// </summary>
internal sealed class JsonPathScanner
{
    private readonly Node _root = new();
    private readonly int _pathCount;

    /// <summary>Prepares a scanner for <paramref name="paths"/>; <see cref="Scan"/> fills values in this order.</summary>
    public JsonPathScanner(IReadOnlyList<IReadOnlyList<PathSegment>> paths)
    {
        _pathCount = paths.Count;
        for (int id = 0; id < paths.Count; id++)
        {
            Node node = _root;
            foreach (PathSegment segment in paths[id])
            {
                node = segment.Name is { } name ? node.Field(name) : node.Element(segment.Index!.Value);
            }

            node.Terminals.Add(id);
        }
    }

    /// <summary>
    /// Scans <paramref name="json"/>, which must be a JSON object, and puts each path's value into
    /// <paramref name="values"/> (<see cref="JqValue.Missing"/> where there is none). Throws <see cref="JsonException"/>
    /// when the record is not JSON as far as it had to be read, <see cref="JqException"/> when it is not an object or a
    /// string it had to read is not valid Unicode.
    /// </summary>
    /// <param name="json">The record.</param>
    /// <param name="values">Receives each path's value.</param>
    /// <param name="strings">Strings read before, reused when the same bytes come again; null to make every string.</param>
    public void Scan(ReadOnlySpan<byte> json, JqValue[] values, Utf8Strings? strings = null)
    {
        Array.Fill(values, JqValue.Missing, 0, _pathCount);
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JqException("the record is not a JSON object");
        }

        int remaining = _pathCount;
        Visit(ref reader, _root, values, strings, ref remaining);
    }

    // Returns false once every path is found: the caller stops reading.
    private static bool Visit(ref Utf8JsonReader reader, Node node, JqValue[] values, Utf8Strings? strings, ref int remaining)
    {
        bool capture = node.Terminals.Count > 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                if (capture)
                {
                    Found(node, JqValue.Object, values, ref remaining);
                }

                if (node.Fields.Count == 0)
                {
                    reader.Skip();
                    return remaining > 0;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    Node? child = null;
                    foreach ((byte[] name, Node field) in node.Fields)
                    {
                        if (JsonText.NameIs(ref reader, name))
                        {
                            child = field;
                            break;
                        }
                    }

                    reader.Read();
                    if (child is null)
                    {
                        reader.Skip();
                    }
                    else if (!Visit(ref reader, child, values, strings, ref remaining))
                    {
                        return false;
                    }
                }

                return remaining > 0;

            case JsonTokenType.StartArray:
                if (node.Elements.Count == 0 && !capture)
                {
                    reader.Skip();
                    return remaining > 0;
                }

                List<JqValue>? items = capture ? [] : null;
                int index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    Node? child = node.Elements.TryGetValue(index, out Node? element) ? element : null;
                    if (items is not null && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                    {
                        items.Add(Scalar(ref reader, strings));
                    }
                    else
                    {
                        items?.Add(JqValue.Object);
                    }

                    if (child is not null)
                    {
                        if (!Visit(ref reader, child, values, strings, ref remaining) && items is null)
                        {
                            return false;
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }

                    index++;
                }

                if (items is not null)
                {
                    Found(node, JqValue.FromArray(items), values, ref remaining);
                }

                return remaining > 0;

            default:
                if (capture)
                {
                    Found(node, Scalar(ref reader, strings), values, ref remaining);
                }

                return remaining > 0;
        }
    }

    private static JqValue Scalar(ref Utf8JsonReader reader, Utf8Strings? strings) => reader.TokenType switch
    {
        JsonTokenType.String => JqValue.FromString(StringOf(ref reader, strings)),
        JsonTokenType.Number => JqValue.FromNumber(reader.GetDouble(), IsPlainInteger(reader.ValueSpan) ? Digits(reader.ValueSpan, strings) : null),
        JsonTokenType.True => JqValue.FromBool(true),
        JsonTokenType.False => JqValue.FromBool(false),
        _ => JqValue.Null,
    };

    private static string StringOf(ref Utf8JsonReader reader, Utf8Strings? strings)
    {
        // Unescaped bytes seen before were valid Unicode then: the same bytes are the same string.
        bool raw = strings is not null && !reader.ValueIsEscaped && !reader.HasValueSequence;
        if (raw && strings!.Find(reader.ValueSpan) is { } known)
        {
            return known;
        }

        if (!JsonText.TryGetString(ref reader, out string? text))
        {
            throw new JqException("the record has a string that is not valid Unicode (invalid UTF-8, or a \\u escape of an unpaired surrogate)");
        }

        if (raw)
        {
            strings!.Add(reader.ValueSpan, text);
        }

        return text;
    }

    private static string Digits(ReadOnlySpan<byte> number, Utf8Strings? strings)
    {
        if (strings?.Find(number) is { } known)
        {
            return known;
        }

        string text = Encoding.UTF8.GetString(number);
        strings?.Add(number, text);
        return text;
    }

    // Integers keep their digits (an id above 2^53 stays exact); other numbers print as jq prints them (1.50 is 1.5).
    private static bool IsPlainInteger(ReadOnlySpan<byte> number)
    {
        foreach (byte b in number)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (byte)'-'))
            {
                return false;
            }
        }

        return true;
    }

    // A duplicated field counts once, with its first value.
    private static void Found(Node node, JqValue value, JqValue[] values, ref int remaining)
    {
        foreach (int id in node.Terminals)
        {
            if (values[id].Kind == JqKind.Missing)
            {
                values[id] = value;
                remaining--;
            }
        }
    }

    private sealed class Node
    {
        public List<(byte[] Name, Node Node)> Fields { get; } = [];

        public Dictionary<int, Node> Elements { get; } = [];

        public List<int> Terminals { get; } = [];

        public Node Field(string name)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(name);
            foreach ((byte[] existing, Node node) in Fields)
            {
                if (existing.AsSpan().SequenceEqual(utf8))
                {
                    return node;
                }
            }

            var created = new Node();
            Fields.Add((utf8, created));
            return created;
        }

        public Node Element(int index)
        {
            if (!Elements.TryGetValue(index, out Node? node))
            {
                node = new Node();
                Elements[index] = node;
            }

            return node;
        }
    }
}
