using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Delivery.Formats.Parquet.Columns;
using Delivery.Formats.Parquet.Schema;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Json;

/// <summary>Scalar values: each JSON token read as its column's type, straight from the record's UTF-8.</summary>
internal sealed partial class JsonRecordConverter
{
    private static readonly int EpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>Writes the value <paramref name="reader"/> is on (not null) into leaf <paramref name="leaf"/>.</summary>
    private void WriteValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode leaf, int repetition, ShreddedRecord output)
    {
        int leafIndex = leaf.FirstLeaf;
        int definition = leaf.DefinitionLevel;
        switch (leaf.Kind)
        {
            case GlueKind.String:
                WriteString(ref reader, json, leaf, repetition, output);
                break;
            case GlueKind.Boolean:
                bool flag = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    JsonTokenType.String when bool.TryParse(Text(ref reader, json, leaf), out bool parsed) => parsed,
                    _ => throw Invalid(ref reader, json, leaf, "is not a boolean"),
                };
                output.AddFixed(leafIndex, repetition, definition, flag ? 1 : 0);
                break;
            case GlueKind.TinyInt or GlueKind.SmallInt or GlueKind.Int or GlueKind.BigInt:
                output.AddFixed(leafIndex, repetition, definition, ReadInteger(ref reader, json, leaf));
                break;
            case GlueKind.Float:
                double single = ReadDouble(ref reader, json, leaf);
                if (!float.IsFinite((float)single) && double.IsFinite(single))
                {
                    throw Invalid(ref reader, json, leaf, "is out of range for float");
                }

                output.AddFixed(leafIndex, repetition, definition, BitConverter.SingleToInt32Bits((float)single));
                break;
            case GlueKind.Double:
                output.AddFixed(leafIndex, repetition, definition, BitConverter.DoubleToInt64Bits(ReadDouble(ref reader, json, leaf)));
                break;
            case GlueKind.Decimal:
                WriteDecimal(ref reader, json, leaf, repetition, output);
                break;
            case GlueKind.Date:
                output.AddFixed(leafIndex, repetition, definition, ReadDate(ref reader, json, leaf));
                break;
            case GlueKind.Timestamp:
                if (!IsScalar(reader.TokenType) || !_timestamps.TryRead(ref reader, out long micros))
                {
                    throw Invalid(ref reader, json, leaf, $"is not a timestamp in the configured formats ({_timestamps.Description})");
                }

                output.AddFixed(leafIndex, repetition, definition, TimestampValue(leaf, micros));
                break;
            case GlueKind.Binary:
                WriteBinary(ref reader, json, leaf, repetition, output);
                break;
        }
    }

    /// <summary>Microseconds since the epoch in the leaf's unit; milliseconds round down, before 1970 too.</summary>
    private static long TimestampValue(LeafNode leaf, long micros) =>
        leaf.TimestampUnit == TimestampUnit.Milliseconds ? Math.DivRem(micros, 1000) switch { (long q, < 0) => q - 1, (long q, _) => q } : micros;

    /// <summary>A map key (a property name) read the way its type reads a quoted value.</summary>
    private void WriteMapKey(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode key, int repetition, ShreddedRecord output)
    {
        if (key.Kind == GlueKind.String && !reader.ValueIsEscaped)
        {
            // Bytes that are not UTF-8 would break the file for readers.
            ReadOnlySpan<byte> name = reader.ValueSpan;
            if (!_recordIsUtf8 && !Utf8.IsValid(name))
            {
                throw new RecordConversionException(FormatConversionErrorCodes.InvalidValue, $"Column '{key.Path}' ({key.Type}): a key is not valid UTF-8.");
            }

            output.AddRecordBytes(key.FirstLeaf, repetition, key.DefinitionLevel, (int)reader.TokenStartIndex + 1, name.Length);
            return;
        }

        // The quoted name is a JSON string by itself; an escaped unpaired surrogate in it throws, failing the record.
        // Only types that never point into the record's text (no strings) are read from this copy.
        var quoted = new Utf8JsonReader(RawValue(ref reader, json, consume: false));
        quoted.Read();
        if (key.Kind == GlueKind.String)
        {
            output.AddBytes(key.FirstLeaf, repetition, key.DefinitionLevel, Encoding.UTF8.GetBytes(quoted.GetString()!));
            return;
        }

        WriteValue(ref quoted, RawValue(ref reader, json, consume: false), key, repetition, output);
    }

    private void WriteString(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode column, int repetition, ShreddedRecord output)
    {
        (int leaf, int definition) = (column.FirstLeaf, column.DefinitionLevel);
        if (reader.TokenType != JsonTokenType.String)
        {
            // Numbers, booleans, objects and arrays in a string column keep their JSON text, as the OpenX SerDe does.
            int start = (int)reader.TokenStartIndex;
            ReadOnlySpan<byte> text = RawValue(ref reader, json, consume: true);
            if (!_recordIsUtf8 && !Utf8.IsValid(text))
            {
                throw Invalid(text, column, "is not valid UTF-8");
            }

            output.AddRecordBytes(leaf, repetition, definition, start, text.Length);
            return;
        }

        // The reader does not check UTF-8 inside strings; a Parquet string that is not UTF-8 breaks the file for readers.
        ReadOnlySpan<byte> content = reader.ValueSpan;
        if (!_recordIsUtf8 && !Utf8.IsValid(content))
        {
            throw Invalid(ref reader, json, column, "is not valid UTF-8");
        }

        if (!reader.ValueIsEscaped)
        {
            output.AddRecordBytes(leaf, repetition, definition, (int)reader.TokenStartIndex + 1, content.Length);
            return;
        }

        // Unescaped text is never longer than its escaped form.
        int offset = output.Bytes.Length;
        int length;
        try
        {
            length = reader.CopyString(output.Bytes.GetSpan(content.Length));
        }
        catch (InvalidOperationException)
        {
            throw Invalid(ref reader, json, column, "is not valid Unicode text");
        }

        output.Bytes.Advance(length);
        output.AddWrittenBytes(leaf, repetition, definition, offset);
    }

    private static long ReadInteger(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode leaf)
    {
        long number;
        bool ok = reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetInt64(out number),
            JsonTokenType.String => long.TryParse(Text(ref reader, json, leaf), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number),
            _ => (number = 0) != 0,
        };
        if (!ok)
        {
            throw Invalid(ref reader, json, leaf, $"is not a whole number that fits {leaf.Type}");
        }

        (long min, long max) = leaf.Kind switch
        {
            GlueKind.TinyInt => (sbyte.MinValue, sbyte.MaxValue),
            GlueKind.SmallInt => (short.MinValue, short.MaxValue),
            GlueKind.Int => (int.MinValue, int.MaxValue),
            _ => (long.MinValue, long.MaxValue),
        };
        if (number < min || number > max)
        {
            throw Invalid(ref reader, json, leaf, $"is out of range for {leaf.Type} ({min} to {max})");
        }

        return number;
    }

    private static double ReadDouble(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode leaf)
    {
        double number;
        bool ok = reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetDouble(out number) && double.IsFinite(number),
            JsonTokenType.String => double.TryParse(Text(ref reader, json, leaf), NumberStyles.Float, CultureInfo.InvariantCulture, out number),
            _ => (number = 0) != 0,
        };
        return ok ? number : throw Invalid(ref reader, json, leaf, $"is not a number that fits {leaf.Type}");
    }

    private static void WriteDecimal(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode leaf, int repetition, ShreddedRecord output)
    {
        bool scalar = reader.TokenType is JsonTokenType.Number or JsonTokenType.String;
        if (leaf.PhysicalType != PhysicalType.FixedLenByteArray && scalar
            && DecimalReader.TryReadSmall(reader.ValueSpan, leaf.Type.Precision, leaf.Type.Scale, out long small))
        {
            output.AddFixed(leaf.FirstLeaf, repetition, leaf.DefinitionLevel, small);
            return;
        }

        string text = reader.TokenType switch
        {
            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.String => Text(ref reader, json, leaf).Trim(),
            _ => throw Invalid(ref reader, json, leaf, "is not a number"),
        };
        if (!DecimalReader.TryRead(text, leaf.Type.Precision, leaf.Type.Scale, out BigInteger unscaled, out string? problem))
        {
            throw Invalid(ref reader, json, leaf, problem!);
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

    private static long ReadDate(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode leaf)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (!reader.ValueIsEscaped && IsoTimestamp.TryParseDate(reader.ValueSpan, out int dayNumber))
            {
                return dayNumber - EpochDayNumber;
            }

            if (DateOnly.TryParseExact(Text(ref reader, json, leaf), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly date))
            {
                return date.DayNumber - EpochDayNumber;
            }
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int days))
        {
            return days;
        }

        throw Invalid(ref reader, json, leaf, "is not a date (yyyy-MM-dd, or days since 1970-01-01)");
    }

    private static void WriteBinary(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode leaf, int repetition, ShreddedRecord output)
    {
        byte[]? bytes = null;
        try
        {
            _ = reader.TokenType == JsonTokenType.String && reader.TryGetBytesFromBase64(out bytes);
        }
        catch (InvalidOperationException)
        {
            // An escaped unpaired surrogate: no base64 either.
        }

        if (bytes is null)
        {
            throw Invalid(ref reader, json, leaf, "is not a base64 string");
        }

        output.AddBytes(leaf.FirstLeaf, repetition, leaf.DefinitionLevel, bytes);
    }

    private static bool IsScalar(JsonTokenType token) => token is JsonTokenType.String or JsonTokenType.Number;

    private static string Text(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode leaf) =>
        JsonStrings.TryGetString(ref reader, out string? text) ? text : throw Invalid(ref reader, json, leaf, "is not valid Unicode text");

    private static RecordConversionException Invalid(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, LeafNode leaf, string problem) =>
        Invalid(RawValue(ref reader, json, consume: false), leaf, problem);

    private static RecordConversionException Invalid(ReadOnlySpan<byte> raw, LeafNode leaf, string problem)
    {
        // Decoded with replacement characters: the value may be text that is not UTF-8, which is what is being reported.
        string text = Encoding.UTF8.GetString(raw);
        if (text.Length > 64)
        {
            text = string.Concat(text.AsSpan(0, 61), "...");
        }

        return new RecordConversionException(FormatConversionErrorCodes.InvalidValue, $"Column '{leaf.Path}' ({leaf.Type}): value {text} {problem}.");
    }
}
