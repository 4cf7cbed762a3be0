using System.Text.Json;
using System.Text.Unicode;
using Delivery.Formats.Parquet.Columns;
using Delivery.Formats.Parquet.Encodings;
using Delivery.Formats.Parquet.Schema;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Turns one JSON record into the leaf entries of its row(s) (Dremel shredding) in one forward pass with
/// <see cref="Utf8JsonReader"/>: every leaf gets its repetition and definition levels and, when present, its value
/// converted to the column's type. No document is built and nothing is allocated for a record that fits. A value that
/// does not fit throws <see cref="RecordConversionException"/> naming the column path and the problem, unless the record
/// is not JSON at all, which is reported as such. One converter per file; not thread-safe.
/// </summary>
/// <remarks>
/// Keys are matched as they come, so a key given twice has its first value's entries marked dead in the
/// <see cref="ShreddedRecord"/> when the second arrives: the last one wins, as in the OpenX SerDe.
/// </remarks>
internal sealed partial class JsonRecordConverter : IDisposable
{
    private static readonly JsonReaderOptions ReaderOptions = new() { AllowMultipleValues = true };

    private readonly TimestampReader _timestamps;
    private readonly Plan _root;
    private readonly LeafNode? _catchAll;
    private readonly ByteBuffer _catchAllJson = new(256);

    // The fast path covers schemas without maps, binary, long decimals or a catch-all column.
    private readonly bool _fastPath;

    // Whether the record being converted is UTF-8 throughout, which spares checking each string on its own.
    private bool _recordIsUtf8;

    // Per object being read: where each field's entries start and end in the record (-1: not seen), as a stack.
    private int[] _frames = new int[64];
    private int _frameTop;

    // Per map being read: its entries so far, as a stack, to find a key given twice.
    private MapEntry[] _mapKeys = new MapEntry[16];
    private int _mapKeyTop;

    public JsonRecordConverter(ParquetSchema schema, JsonConversionOptions options)
    {
        _timestamps = new TimestampReader(options.TimestampFormats);
        IReadOnlyList<SchemaNode> columns = schema.Root.Children;
        int catchAllIndex = -1;
        if (options.CatchAllColumn is { } catchAll)
        {
            catchAllIndex = columns.Count - 1;
            _catchAll = (LeafNode)columns[catchAllIndex];
            if (!_catchAll.Name.Equals(catchAll, StringComparison.Ordinal))
            {
                throw new ArgumentException($"The catch-all column '{catchAll}' must be the schema's last column.", nameof(options));
            }
        }

        var rootNames = new List<KeyValuePair<string, int>>();
        for (int i = 0; i < columns.Count; i++)
        {
            if (i != catchAllIndex)
            {
                string key = options.ColumnToJsonKeyMappings.TryGetValue(columns[i].Name, out string? mapped) ? mapped : columns[i].Name;
                rootNames.Add(new(key, i));
            }
        }

        _root = new Plan(schema.Root, [.. columns.Select(column => Plan.For(column, options))], new FieldMatcher(rootNames, options)) { CatchAllIndex = catchAllIndex };
        _fastPath = _catchAll is null
            && !schema.Leaves.Any(leaf => leaf.Kind == GlueKind.Binary || leaf.PhysicalType == PhysicalType.FixedLenByteArray || leaf.PathInSchema.Contains("key_value"));
    }

    /// <summary>Whether the last record went through the fast path (for tests).</summary>
    internal bool UsedFastPath { get; private set; }

    public void Dispose() => _catchAllJson.Dispose();

    /// <summary>Converts <paramref name="record"/> into <paramref name="output"/> (cleared first); returns the rows it holds.</summary>
    /// <param name="record">The record's bytes.</param>
    /// <param name="output">Receives the record's entries.</param>
    /// <param name="fastPath">Try the fast path first (tests turn it off to compare the two).</param>
    public int Convert(ReadOnlySpan<byte> record, ShreddedRecord output, bool fastPath = true)
    {
        int rows = 0;
        output.Clear();
        _frameTop = 0;
        _mapKeyTop = 0;
        // The fast path finds out whether the record is UTF-8 as it goes, and gives up when it is not.
        _recordIsUtf8 = false;
        UsedFastPath = fastPath && _fastPath && TryConvertFast(record, output, out rows);
        if (UsedFastPath)
        {
            return rows;
        }

        // A record the fast path validated before it gave up for another reason is not validated again.
        _recordIsUtf8 = _recordIsUtf8 || Utf8.IsValid(record);

        output.Clear();
        _frameTop = 0;
        var reader = new Utf8JsonReader(record, ReaderOptions);
        rows = 0;
        try
        {
            // Firehose accepts several objects in one record ({"a":1}{"a":2}); each is a row.
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    JsonTokenType found = reader.TokenType;
                    reader.Skip();
                    ThrowIfMalformed(ref reader);
                    throw new RecordConversionException(FormatConversionErrorCodes.MalformedJson, $"The record must be a JSON object, not {Describe(found)}.");
                }

                try
                {
                    ShredStruct(ref reader, record, _root, 0, output);
                }
                catch (RecordConversionException)
                {
                    // A record that is not JSON is reported as such, whatever else is wrong with it.
                    ThrowIfMalformed(ref reader);
                    throw;
                }

                output.EndRow();
                rows++;
            }
        }
        catch (JsonException ex)
        {
            throw new RecordConversionException(FormatConversionErrorCodes.MalformedJson, $"The record is not valid JSON: {ex.Message}");
        }

        if (rows == 0)
        {
            throw new RecordConversionException(FormatConversionErrorCodes.MalformedJson, "The record holds no JSON object.");
        }

        return rows;
    }

    /// <summary>Reads the rest of the record; throws <see cref="JsonException"/> when it is not JSON.</summary>
    private static void ThrowIfMalformed(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
        }
    }

    /// <summary>Reads the object <paramref name="reader"/> is on (StartObject) up to its end.</summary>
    private void ShredStruct(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, Plan plan, int repetition, ShreddedRecord output)
    {
        bool isRoot = plan == _root;
        int fields = plan.Children.Length;
        int frame = PushFrame(fields);
        if (isRoot)
        {
            _catchAllJson.Clear();
        }

        int cursor = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int field = plan.Matcher!.Find(ref reader, ref cursor);
            if (field < 0)
            {
                if (isRoot && _catchAll is not null)
                {
                    AppendCatchAll(ref reader, json);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }

                continue;
            }

            reader.Read();
            int slot = frame + (2 * field);
            if (_frames[slot] >= 0)
            {
                output.Kill(_frames[slot], _frames[slot + 1]); // the last of duplicate keys wins
            }

            _frames[slot] = output.Count;
            ShredNode(ref reader, json, plan.Children[field], repetition, plan.Node.DefinitionLevel, output);
            _frames[slot + 1] = output.Count;
        }

        for (int i = 0; i < fields; i++)
        {
            if (_frames[frame + (2 * i)] < 0 && i != plan.CatchAllIndex)
            {
                Missing(plan.Children[i].Node, repetition, plan.Node.DefinitionLevel, isNull: false, output);
            }
        }

        if (isRoot && _catchAll is not null)
        {
            WriteCatchAll(output, repetition);
        }

        _frameTop = frame;
    }

    private int PushFrame(int fields)
    {
        int frame = _frameTop;
        int needed = frame + (2 * fields);
        if (needed > _frames.Length)
        {
            Array.Resize(ref _frames, Math.Max(needed, _frames.Length * 2));
        }

        _frames.AsSpan(frame, 2 * fields).Fill(-1);
        _frameTop = needed;
        return frame;
    }

    /// <summary>Shreds the value <paramref name="reader"/> is on into the leaves of <paramref name="plan"/>.</summary>
    private void ShredNode(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, Plan plan, int repetition, int parentDefinition, ShreddedRecord output)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            Missing(plan.Node, repetition, parentDefinition, isNull: true, output);
            return;
        }

        switch (plan.Kind)
        {
            case NodeKind.Leaf:
                WriteValue(ref reader, json, plan.Leaf!, repetition, output);
                break;
            case NodeKind.Struct:
                Expect(ref reader, plan.Node, JsonTokenType.StartObject, "an object");
                ShredStruct(ref reader, json, plan, repetition, output);
                break;
            case NodeKind.List:
                Expect(ref reader, plan.Node, JsonTokenType.StartArray, "an array");
                var list = (ListNode)plan.Node;
                int elements = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    ShredNode(ref reader, json, plan.Children[0], elements == 0 ? repetition : list.RepeatedRepetitionLevel, list.RepeatedDefinitionLevel, output);
                    elements++;
                }

                if (elements == 0)
                {
                    EmitNulls(plan.Node, repetition, plan.Node.DefinitionLevel, output);
                }

                break;
            case NodeKind.Map:
                Expect(ref reader, plan.Node, JsonTokenType.StartObject, "an object");
                ShredMap(ref reader, json, plan, repetition, output);
                break;
        }
    }

    /// <summary>
    /// Reads a map's entries. A key given twice keeps its last value, as the OpenX SerDe's map does (a file with one key
    /// twice in a map is refused by some readers): the earlier entry is marked dead, and when it was the map's first,
    /// the first entry left takes over its repetition level.
    /// </summary>
    private void ShredMap(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, Plan plan, int repetition, ShreddedRecord output)
    {
        var map = (MapNode)plan.Node;
        int keysBase = _mapKeyTop;
        bool killed = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int entryRepetition = _mapKeyTop == keysBase && !killed ? repetition : map.RepeatedRepetitionLevel;
            int start = output.Count;
            WriteMapKey(ref reader, json, map.Key, entryRepetition, output);
            reader.Read();
            ShredNode(ref reader, json, plan.Children[1], entryRepetition, map.RepeatedDefinitionLevel, output);
            var entry = new MapEntry(output.HashOf(start, json), start, output.Count);
            int same = keysBase;
            while (same < _mapKeyTop && !(_mapKeys[same].Hash == entry.Hash && output.SameValue(_mapKeys[same].Start, start, json)))
            {
                same++;
            }

            if (same < _mapKeyTop)
            {
                output.Kill(_mapKeys[same].Start, _mapKeys[same].End);
                _mapKeys[same] = entry;
                killed = true;
                continue;
            }

            if (_mapKeyTop == _mapKeys.Length)
            {
                Array.Resize(ref _mapKeys, _mapKeys.Length * 2);
            }

            _mapKeys[_mapKeyTop++] = entry;
        }

        if (_mapKeyTop == keysBase)
        {
            EmitNulls(plan.Node, repetition, plan.Node.DefinitionLevel, output);
        }
        else if (killed)
        {
            MapEntry first = _mapKeys[keysBase];
            for (int i = keysBase + 1; i < _mapKeyTop; i++)
            {
                first = _mapKeys[i].Start < first.Start ? _mapKeys[i] : first;
            }

            output.Promote(first.Start, first.End, map.RepeatedRepetitionLevel, repetition);
        }

        _mapKeyTop = keysBase;
    }

    private static void Missing(SchemaNode node, int repetition, int parentDefinition, bool isNull, ShreddedRecord output)
    {
        if (!node.Optional)
        {
            throw new RecordConversionException(FormatConversionErrorCodes.MissingRequiredValue,
                $"Column '{node.Path}' is not nullable but the record has {(isNull ? "null" : "no value")} for it.");
        }

        EmitNulls(node, repetition, parentDefinition, output);
    }

    private static void EmitNulls(SchemaNode node, int repetition, int definition, ShreddedRecord output)
    {
        for (int leaf = node.FirstLeaf; leaf < node.FirstLeaf + node.LeafCount; leaf++)
        {
            output.AddNull(leaf, repetition, definition);
        }
    }

    /// <summary>Keeps an unmatched top-level key and its value, as written, for the catch-all column; the reader ends on the value.</summary>
    private void AppendCatchAll(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        // Kept apart from the record's scratch bytes, which the other columns' values go on filling meanwhile.
        _catchAllJson.WriteByte(_catchAllJson.Length == 0 ? (byte)'{' : (byte)',');
        _catchAllJson.WriteByte((byte)'"');
        _catchAllJson.Write(reader.ValueSpan);
        _catchAllJson.Write("\":"u8);
        reader.Read();
        _catchAllJson.Write(RawValue(ref reader, json, consume: true));
    }

    private void WriteCatchAll(ShreddedRecord output, int repetition)
    {
        if (_catchAllJson.Length == 0)
        {
            output.AddNull(_catchAll!.FirstLeaf, repetition, 0);
            return;
        }

        _catchAllJson.WriteByte((byte)'}');
        if (!Utf8.IsValid(_catchAllJson.WrittenSpan))
        {
            throw new RecordConversionException(FormatConversionErrorCodes.InvalidValue, $"Column '{_catchAll!.Path}' ({_catchAll.Type}): the text of the record's other keys is not valid UTF-8.");
        }

        output.AddBytes(_catchAll!.FirstLeaf, repetition, _catchAll.DefinitionLevel, _catchAllJson.WrittenSpan);
    }

    /// <summary>
    /// The JSON text of the value <paramref name="reader"/> is on, quotes included; with <paramref name="consume"/> an
    /// object or array is read to its end, otherwise the reader stays where it is.
    /// </summary>
    private static ReadOnlySpan<byte> RawValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, bool consume)
    {
        int start = (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.String or JsonTokenType.PropertyName:
                return json.Slice(start, reader.ValueSpan.Length + 2);
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                if (consume)
                {
                    reader.Skip();
                    return json[start..(int)reader.BytesConsumed];
                }

                Utf8JsonReader copy = reader;
                copy.Skip();
                return json[start..(int)copy.BytesConsumed];
            default:
                return reader.ValueSpan;
        }
    }

    private static void Expect(ref Utf8JsonReader reader, SchemaNode node, JsonTokenType token, string what)
    {
        if (reader.TokenType != token)
        {
            throw new RecordConversionException(FormatConversionErrorCodes.InvalidValue, $"Column '{node.Path}' expects {what}, found {Describe(reader.TokenType)}.");
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };

    /// <summary>One entry of a map being read: its key's hash, and its entries in the record (key first).</summary>
    private readonly record struct MapEntry(int Hash, int Start, int End);

    private enum NodeKind
    {
        Leaf,
        Struct,
        List,
        Map,
    }

    /// <summary>A schema node with what reading it needs, worked out once per file instead of once per value.</summary>
    private sealed class Plan(SchemaNode node, Plan[] children, FieldMatcher? matcher)
    {
        public SchemaNode Node { get; } = node;

        public NodeKind Kind { get; } = node switch
        {
            LeafNode => NodeKind.Leaf,
            StructNode => NodeKind.Struct,
            ListNode => NodeKind.List,
            _ => NodeKind.Map,
        };

        public LeafNode? Leaf { get; } = node as LeafNode;

        /// <summary>Struct fields; a list's element; a map's key and value.</summary>
        public Plan[] Children { get; } = children;

        public FieldMatcher? Matcher { get; } = matcher;

        /// <summary>The root's catch-all column, which no key matches; -1 elsewhere.</summary>
        public int CatchAllIndex { get; init; } = -1;

        public static Plan For(SchemaNode node, JsonConversionOptions options) => node switch
        {
            StructNode structNode => new Plan(
                node,
                [.. structNode.Children.Select(child => For(child, options))],
                new FieldMatcher(structNode.Children.Select((child, i) => new KeyValuePair<string, int>(child.Name, i)), options)),
            ListNode list => new Plan(node, [For(list.Element, options)], null),
            MapNode map => new Plan(node, [For(map.Key, options), For(map.Value, options)], null),
            _ => new Plan(node, [], null),
        };
    }
}
