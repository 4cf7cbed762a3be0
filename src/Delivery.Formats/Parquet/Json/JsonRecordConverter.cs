using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Delivery.Formats.Parquet.Columns;
using Delivery.Formats.Parquet.Encodings;
using Delivery.Formats.Parquet.Schema;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Turns one JSON record into the leaf entries of its row(s) (Dremel shredding): every leaf gets its repetition and
/// definition levels and, when present, its value converted to the column's type. A value that does not fit throws
/// <see cref="RecordConversionException"/> naming the column path and the problem. One converter per file; not thread-safe.
/// </summary>
internal sealed class JsonRecordConverter : IDisposable
{
    private static readonly int EpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private readonly ParquetSchema _schema;
    private readonly TimestampReader _timestamps;
    private readonly Dictionary<StructNode, FieldMatcher> _matchers = [];
    private readonly Dictionary<StructNode, JsonElement[]> _slots = [];
    private readonly LeafNode? _catchAll;
    private readonly int _catchAllIndex = -1;
    private readonly ByteBuffer _catchAllJson = new(256);

    public JsonRecordConverter(ParquetSchema schema, JsonConversionOptions options)
    {
        _schema = schema;
        _timestamps = new TimestampReader(options.TimestampFormats);
        IReadOnlyList<SchemaNode> columns = schema.Root.Children;
        if (options.CatchAllColumn is { } catchAll)
        {
            _catchAllIndex = columns.Count - 1;
            _catchAll = (LeafNode)columns[_catchAllIndex];
            if (!_catchAll.Name.Equals(catchAll, StringComparison.Ordinal))
            {
                throw new ArgumentException($"The catch-all column '{catchAll}' must be the schema's last column.", nameof(options));
            }
        }

        var rootNames = new List<KeyValuePair<string, int>>();
        for (int i = 0; i < columns.Count; i++)
        {
            if (i == _catchAllIndex)
            {
                continue;
            }

            string key = options.ColumnToJsonKeyMappings.TryGetValue(columns[i].Name, out string? mapped) ? mapped : columns[i].Name;
            rootNames.Add(new(key, i));
        }

        _matchers[schema.Root] = new FieldMatcher(rootNames, options);
        _slots[schema.Root] = new JsonElement[columns.Count];
        foreach (SchemaNode column in columns)
        {
            Prepare(column, options);
        }
    }

    public void Dispose() => _catchAllJson.Dispose();

    /// <summary>Converts <paramref name="record"/> into <paramref name="output"/> (cleared first); returns the rows it holds.</summary>
    public int Convert(ReadOnlyMemory<byte> record, ShreddedRecord output)
    {
        output.Clear();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(record);
        }
        catch (JsonException)
        {
            // Firehose accepts several objects in one record ({"a":1}{"a":2}); anything else is malformed.
            return ConvertMany(record.Span, output);
        }

        using (document)
        {
            ConvertRow(document.RootElement, output);
        }

        return 1;
    }

    private int ConvertMany(ReadOnlySpan<byte> record, ShreddedRecord output)
    {
        var reader = new Utf8JsonReader(record, new JsonReaderOptions { AllowMultipleValues = true });
        int rows = 0;
        try
        {
            while (reader.Read())
            {
                using JsonDocument document = JsonDocument.ParseValue(ref reader);
                ConvertRow(document.RootElement, output);
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

    private void ConvertRow(JsonElement root, ShreddedRecord output)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new RecordConversionException(FormatConversionErrorCodes.MalformedJson, $"The record must be a JSON object, not {Describe(root.ValueKind)}.");
        }

        ShredStruct(_schema.Root, root, 0, output, isRoot: true);
        output.EndRow();
    }

    private void Prepare(SchemaNode node, JsonConversionOptions options)
    {
        switch (node)
        {
            case StructNode structNode:
                _matchers[structNode] = new FieldMatcher(structNode.Children.Select((child, i) => new KeyValuePair<string, int>(child.Name, i)), options);
                _slots[structNode] = new JsonElement[structNode.Children.Count];
                foreach (SchemaNode child in structNode.Children)
                {
                    Prepare(child, options);
                }

                break;
            case ListNode list:
                Prepare(list.Element, options);
                break;
            case MapNode map:
                Prepare(map.Value, options);
                break;
        }
    }

    private void ShredStruct(StructNode node, JsonElement value, int repetition, ShreddedRecord output, bool isRoot = false)
    {
        // Each struct node owns one slot array: the schema is a tree, so a node is never inside itself.
        JsonElement[] slots = _slots[node];
        Array.Clear(slots);
        FieldMatcher matcher = _matchers[node];
        if (isRoot)
        {
            _catchAllJson.Clear();
        }

        foreach (JsonProperty property in value.EnumerateObject())
        {
            int index = matcher.Find(property);
            if (index >= 0)
            {
                slots[index] = property.Value; // the last of duplicate keys wins
            }
            else if (isRoot && _catchAll is not null)
            {
                AppendCatchAll(property);
            }
        }

        for (int i = 0; i < node.Children.Count; i++)
        {
            if (isRoot && i == _catchAllIndex)
            {
                WriteCatchAll(output, repetition);
                continue;
            }

            ShredNode(node.Children[i], slots[i], repetition, node.DefinitionLevel, output);
        }
    }

    private void ShredNode(SchemaNode node, JsonElement value, int repetition, int parentDefinition, ShreddedRecord output)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            if (!node.Optional)
            {
                throw new RecordConversionException(FormatConversionErrorCodes.MissingRequiredValue,
                    $"Column '{node.Path}' is not nullable but the record has {(value.ValueKind == JsonValueKind.Null ? "null" : "no value")} for it.");
            }

            EmitNulls(node, repetition, parentDefinition, output);
            return;
        }

        switch (node)
        {
            case LeafNode leaf:
                WriteValue(leaf, value, repetition, output);
                break;
            case StructNode structNode:
                Expect(node, value, JsonValueKind.Object, "an object");
                ShredStruct(structNode, value, repetition, output);
                break;
            case ListNode list:
                Expect(node, value, JsonValueKind.Array, "an array");
                int elements = 0;
                foreach (JsonElement element in value.EnumerateArray())
                {
                    ShredNode(list.Element, element, elements == 0 ? repetition : list.RepeatedRepetitionLevel, list.RepeatedDefinitionLevel, output);
                    elements++;
                }

                if (elements == 0)
                {
                    EmitNulls(node, repetition, node.DefinitionLevel, output);
                }

                break;
            case MapNode map:
                Expect(node, value, JsonValueKind.Object, "an object");
                int entries = 0;
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    int entryRepetition = entries == 0 ? repetition : map.RepeatedRepetitionLevel;
                    WriteMapKey(map.Key, property.Name, entryRepetition, output);
                    ShredNode(map.Value, property.Value, entryRepetition, map.RepeatedDefinitionLevel, output);
                    entries++;
                }

                if (entries == 0)
                {
                    EmitNulls(node, repetition, node.DefinitionLevel, output);
                }

                break;
        }
    }

    private static void EmitNulls(SchemaNode node, int repetition, int definition, ShreddedRecord output)
    {
        for (int leaf = node.FirstLeaf; leaf < node.FirstLeaf + node.LeafCount; leaf++)
        {
            output.AddNull(leaf, repetition, definition);
        }
    }

    private void WriteMapKey(LeafNode key, string name, int repetition, ShreddedRecord output)
    {
        if (key.Type.Kind == GlueKind.String)
        {
            output.AddBytes(key.FirstLeaf, repetition, key.DefinitionLevel, Encoding.UTF8.GetBytes(name));
            return;
        }

        // Keys are always JSON strings; other key types read them the way they read a quoted value.
        WriteValue(key, JsonSerializer.SerializeToElement(name, FormatsJsonContext.Default.String), repetition, output);
    }

    private void WriteValue(LeafNode leaf, JsonElement value, int repetition, ShreddedRecord output)
    {
        int leafIndex = leaf.FirstLeaf;
        int definition = leaf.DefinitionLevel;
        switch (leaf.Type.Kind)
        {
            case GlueKind.String:
                WriteString(leaf, value, repetition, output);
                break;
            case GlueKind.Boolean:
                bool flag = value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.String when bool.TryParse(Text(leaf, value), out bool parsed) => parsed,
                    _ => throw Invalid(leaf, value, "is not a boolean"),
                };
                output.AddFixed(leafIndex, repetition, definition, flag ? 1 : 0);
                break;
            case GlueKind.TinyInt or GlueKind.SmallInt or GlueKind.Int or GlueKind.BigInt:
                output.AddFixed(leafIndex, repetition, definition, ReadInteger(leaf, value));
                break;
            case GlueKind.Float:
                double single = ReadDouble(leaf, value);
                if (!float.IsFinite((float)single) && double.IsFinite(single))
                {
                    throw Invalid(leaf, value, "is out of range for float");
                }

                output.AddFixed(leafIndex, repetition, definition, BitConverter.SingleToInt32Bits((float)single));
                break;
            case GlueKind.Double:
                output.AddFixed(leafIndex, repetition, definition, BitConverter.DoubleToInt64Bits(ReadDouble(leaf, value)));
                break;
            case GlueKind.Decimal:
                WriteDecimal(leaf, value, repetition, output);
                break;
            case GlueKind.Date:
                output.AddFixed(leafIndex, repetition, definition, ReadDate(leaf, value));
                break;
            case GlueKind.Timestamp:
                if (!_timestamps.TryRead(value, out long micros))
                {
                    throw Invalid(leaf, value, $"is not a timestamp in the configured formats ({_timestamps.Description})");
                }

                output.AddFixed(leafIndex, repetition, definition, leaf.TimestampUnit == TimestampUnit.Milliseconds ? Math.DivRem(micros, 1000) switch { (long q, < 0) => q - 1, (long q, _) => q } : micros);
                break;
            case GlueKind.Binary:
                WriteBinary(leaf, value, repetition, output);
                break;
        }
    }

    private static void WriteString(LeafNode column, JsonElement value, int repetition, ShreddedRecord output)
    {
        (int leaf, int definition) = (column.FirstLeaf, column.DefinitionLevel);
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(value);

        // The reader does not check UTF-8 inside strings; a Parquet string that is not UTF-8 breaks the file for readers.
        if (!Utf8.IsValid(raw))
        {
            throw Invalid(column, value, "is not valid UTF-8");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            // Numbers, booleans, objects and arrays in a string column keep their JSON text, as the OpenX SerDe does.
            output.AddBytes(leaf, repetition, definition, raw);
            return;
        }

        ReadOnlySpan<byte> content = raw[1..^1];
        if (!content.Contains((byte)'\\'))
        {
            output.AddBytes(leaf, repetition, definition, content);
            return;
        }

        int offset = output.Bytes.Length;
        string text = Text(column, value);
        int length = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, output.Bytes.GetSpan(length));
        output.Bytes.Advance(length);
        output.AddWrittenBytes(leaf, repetition, definition, offset);
    }

    private static long ReadInteger(LeafNode leaf, JsonElement value)
    {
        long number;
        bool ok = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out number),
            JsonValueKind.String => long.TryParse(Text(leaf, value), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number),
            _ => (number = 0) != 0,
        };
        if (!ok)
        {
            throw Invalid(leaf, value, $"is not a whole number that fits {leaf.Type}");
        }

        (long min, long max) = leaf.Type.Kind switch
        {
            GlueKind.TinyInt => (sbyte.MinValue, sbyte.MaxValue),
            GlueKind.SmallInt => (short.MinValue, short.MaxValue),
            GlueKind.Int => (int.MinValue, int.MaxValue),
            _ => (long.MinValue, long.MaxValue),
        };
        if (number < min || number > max)
        {
            throw Invalid(leaf, value, $"is out of range for {leaf.Type} ({min} to {max})");
        }

        return number;
    }

    private static double ReadDouble(LeafNode leaf, JsonElement value)
    {
        double number;
        bool ok = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetDouble(out number) && double.IsFinite(number),
            JsonValueKind.String => double.TryParse(Text(leaf, value), NumberStyles.Float, CultureInfo.InvariantCulture, out number),
            _ => (number = 0) != 0,
        };
        return ok ? number : throw Invalid(leaf, value, $"is not a number that fits {leaf.Type}");
    }

    private static void WriteDecimal(LeafNode leaf, JsonElement value, int repetition, ShreddedRecord output)
    {
        if (leaf.PhysicalType != PhysicalType.FixedLenByteArray && value.ValueKind is JsonValueKind.Number or JsonValueKind.String)
        {
            ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(value);
            if (value.ValueKind == JsonValueKind.String)
            {
                raw = raw[1..^1];
            }

            if (DecimalReader.TryReadSmall(raw, leaf.Type.Precision, leaf.Type.Scale, out long small))
            {
                output.AddFixed(leaf.FirstLeaf, repetition, leaf.DefinitionLevel, small);
                return;
            }
        }

        string text = value.ValueKind switch
        {
            JsonValueKind.Number => Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(value)),
            JsonValueKind.String => Text(leaf, value).Trim(),
            _ => throw Invalid(leaf, value, "is not a number"),
        };
        if (!DecimalReader.TryRead(text, leaf.Type.Precision, leaf.Type.Scale, out BigInteger unscaled, out string? problem))
        {
            throw Invalid(leaf, value, problem!);
        }

        if (leaf.PhysicalType == PhysicalType.FixedLenByteArray)
        {
            int offset = output.Bytes.Length;
            DecimalReader.WriteFixed(unscaled, output.Bytes.GetSpan(leaf.TypeLength)[..leaf.TypeLength]);
            output.Bytes.Advance(leaf.TypeLength);
            output.AddWrittenBytes(leaf.FirstLeaf, repetition, leaf.DefinitionLevel, offset);
        }
        else
        {
            output.AddFixed(leaf.FirstLeaf, repetition, leaf.DefinitionLevel, (long)unscaled);
        }
    }

    private static long ReadDate(LeafNode leaf, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String
            && DateOnly.TryParseExact(Text(leaf, value), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly date))
        {
            return date.DayNumber - EpochDayNumber;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int days))
        {
            return days;
        }

        throw Invalid(leaf, value, "is not a date (yyyy-MM-dd, or days since 1970-01-01)");
    }

    private static void WriteBinary(LeafNode leaf, JsonElement value, int repetition, ShreddedRecord output)
    {
        byte[]? bytes = null;
        try
        {
            _ = value.ValueKind == JsonValueKind.String && value.TryGetBytesFromBase64(out bytes);
        }
        catch (InvalidOperationException)
        {
            // An escaped unpaired surrogate: no base64 either.
        }

        if (bytes is null)
        {
            throw Invalid(leaf, value, "is not a base64 string");
        }

        output.AddBytes(leaf.FirstLeaf, repetition, leaf.DefinitionLevel, bytes);
    }

    private void AppendCatchAll(JsonProperty property)
    {
        // Kept apart from the record's scratch bytes, which the other columns' values go on filling meanwhile.
        _catchAllJson.WriteByte(_catchAllJson.Length == 0 ? (byte)'{' : (byte)',');
        _catchAllJson.WriteByte((byte)'"');
        _catchAllJson.Write(JsonMarshal.GetRawUtf8PropertyName(property));
        _catchAllJson.Write("\":"u8);
        _catchAllJson.Write(JsonMarshal.GetRawUtf8Value(property.Value));
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

    private static void Expect(SchemaNode node, JsonElement value, JsonValueKind kind, string what)
    {
        if (value.ValueKind != kind)
        {
            throw new RecordConversionException(FormatConversionErrorCodes.InvalidValue, $"Column '{node.Path}' expects {what}, found {Describe(value.ValueKind)}.");
        }
    }

    private static string Text(LeafNode leaf, JsonElement value) =>
        JsonStrings.TryGetString(value, out string? text) ? text : throw Invalid(leaf, value, "is not valid Unicode text");

    private static RecordConversionException Invalid(LeafNode leaf, JsonElement value, string problem)
    {
        // Not GetRawText: it throws for the invalid UTF-8 this may be reporting.
        string text = Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(value));
        if (text.Length > 64)
        {
            text = string.Concat(text.AsSpan(0, 61), "...");
        }

        return new RecordConversionException(FormatConversionErrorCodes.InvalidValue, $"Column '{leaf.Path}' ({leaf.Type}): value {text} {problem}.");
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
