using System.Buffers;
using System.Buffers.Text;
using System.Text.Unicode;
using Delivery.Formats.Parquet.Columns;
using Delivery.Formats.Parquet.Schema;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// The fast path: a strict JSON scanner that shreds the records most pipelines send (UTF-8 throughout, no escapes, every
/// value fitting its column) without <see cref="System.Text.Json.Utf8JsonReader"/>'s per-token bookkeeping, which was a
/// third of the encoder's time. It accepts a subset of what the reader accepts and gives the same entries; anything else
/// (an escape, a key given twice, a value that does not fit, anything malformed) makes it give up, and the record is
/// converted again by the reader path, which alone decides errors and their messages.
/// </summary>
internal sealed partial class JsonRecordConverter
{
    // A string's scan ends at its closing quote, an escape, or a control character JSON does not allow in strings.
    private static readonly SearchValues<byte> StringStops = SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    // The bytes a string's scan passes over until the record is known to be UTF-8: ASCII text. The first byte beyond it
    // has the whole record validated once; the scanner checks every byte outside strings itself, so a record of ASCII
    // strings is never validated separately (that pass was 2 % of the encoder's time).
    private static readonly SearchValues<byte> AsciiStringText = SearchValues.Create([.. Enumerable.Range(0x20, 0x60).Select(b => (byte)b).Where(b => b is not ((byte)'"' or (byte)'\\'))]);

    // The reader refuses nesting deeper than 64; the fast path leaves anything close to that to it.
    private const int MaxFastDepth = 60;

    /// <summary>Converts <paramref name="json"/>; false when the reader path must do it (not UTF-8, among others; the output is then partial).</summary>
    private bool TryConvertFast(ReadOnlySpan<byte> json, ShreddedRecord output, out int rows)
    {
        rows = 0;
        int at = SkipWhitespace(json, 0);
        if (at == json.Length)
        {
            return false;
        }

        while (at < json.Length)
        {
            if (json[at] != '{' || (at = FastObject(json, at, _root, 0, output, 1)) < 0)
            {
                return false;
            }

            output.EndRow();
            rows++;
            at = SkipWhitespace(json, at);
        }

        return true;
    }

    // The Fast* methods take the position of their value's first byte and return the position just past it, or -1 when
    // the reader path must convert the record: a position passed by reference lives in memory, not in a register.

    /// <summary>An object, <paramref name="at"/> on its '{'; returns the position past its '}', or -1.</summary>
    private int FastObject(ReadOnlySpan<byte> json, int at, Plan plan, int repetition, ShreddedRecord output, int depth)
    {
        int fields = plan.Children.Length;
        int frame = PushFrame(fields);
        int cursor = 0;
        at = SkipWhitespace(json, at + 1);
        if (at < json.Length && json[at] == '}')
        {
            at++;
        }
        else
        {
            while (true)
            {
                if (at >= json.Length || json[at] != '"')
                {
                    return -1;
                }

                // Most keys are the name that came next in the previous record: matched in place, the key not scanned.
                FieldMatcher matcher = plan.Matcher!;
                if (matcher.TryMatchExpected(json, at + 1, ref cursor, out int field, out int keyEnd))
                {
                    at = SkipWhitespace(json, keyEnd);
                    if (at >= json.Length || json[at] != ':')
                    {
                        return -1;
                    }
                }
                else
                {
                    int keyAt = at;
                    if (!ScanString(json, ref keyAt, out int keyStart, out int keyLength))
                    {
                        return -1;
                    }

                    at = keyAt;

                    at = SkipWhitespace(json, at);
                    if (at >= json.Length || json[at] != ':' || !matcher.TryFind(json.Slice(keyStart, keyLength), ref cursor, out field))
                    {
                        return -1;
                    }
                }

                at = SkipWhitespace(json, at + 1);
                if (field < 0)
                {
                    int valueAt = at;
                    if (!SkipValue(json, ref valueAt, depth))
                    {
                        return -1;
                    }

                    at = valueAt;
                }
                else
                {
                    int slot = frame + (2 * field);
                    if (_frames[slot] >= 0)
                    {
                        return -1; // a key given twice: the reader path marks the first one dead
                    }

                    _frames[slot] = output.Count;
                    if ((at = FastValue(json, at, plan.Children[field], repetition, plan.Node.DefinitionLevel, output, depth)) < 0)
                    {
                        return -1;
                    }

                    _frames[slot + 1] = output.Count;
                }

                at = SkipWhitespace(json, at);
                if (at < json.Length && json[at] == ',')
                {
                    at = SkipWhitespace(json, at + 1);
                    continue;
                }

                if (at < json.Length && json[at] == '}')
                {
                    at++;
                    break;
                }

                return -1;
            }
        }

        for (int i = 0; i < fields; i++)
        {
            if (_frames[frame + (2 * i)] < 0)
            {
                if (!plan.Children[i].Node.Optional)
                {
                    return -1;
                }

                EmitNulls(plan.Children[i].Node, repetition, plan.Node.DefinitionLevel, output);
            }
        }

        _frameTop = frame;
        return at;
    }

    /// <summary>A value for <paramref name="plan"/>, <paramref name="at"/> on its first byte; moves past it.</summary>
    private int FastValue(ReadOnlySpan<byte> json, int at, Plan plan, int repetition, int parentDefinition, ShreddedRecord output, int depth)
    {
        if (at >= json.Length)
        {
            return -1;
        }

        if (json[at] == 'n')
        {
            if (!json[at..].StartsWith("null"u8) || !plan.Node.Optional)
            {
                return -1;
            }

            EmitNulls(plan.Node, repetition, parentDefinition, output);
            return at + 4;
        }

        switch (plan.Kind)
        {
            case NodeKind.Leaf:
                return FastScalar(json, at, plan.Leaf!, repetition, output, depth);
            case NodeKind.Struct:
                return json[at] == '{' && depth < MaxFastDepth ? FastObject(json, at, plan, repetition, output, depth + 1) : -1;
            case NodeKind.List:
                return json[at] == '[' && depth < MaxFastDepth ? FastArray(json, at, plan, repetition, output, depth + 1) : -1;
            default:
                return -1;
        }
    }

    private int FastArray(ReadOnlySpan<byte> json, int at, Plan plan, int repetition, ShreddedRecord output, int depth)
    {
        var list = (ListNode)plan.Node;
        at = SkipWhitespace(json, at + 1);
        if (at < json.Length && json[at] == ']')
        {
            EmitNulls(plan.Node, repetition, plan.Node.DefinitionLevel, output);
            return at + 1;
        }

        for (int elements = 0; ; elements++)
        {
            if ((at = FastValue(json, at, plan.Children[0], elements == 0 ? repetition : list.RepeatedRepetitionLevel, list.RepeatedDefinitionLevel, output, depth)) < 0)
            {
                return -1;
            }

            at = SkipWhitespace(json, at);
            if (at < json.Length && json[at] == ',')
            {
                at = SkipWhitespace(json, at + 1);
                continue;
            }

            if (at < json.Length && json[at] == ']')
            {
                return at + 1;
            }

            return -1;
        }
    }

    /// <summary>A string, number or literal for a leaf (or any JSON text for a string column).</summary>
    private int FastScalar(ReadOnlySpan<byte> json, int at, LeafNode leaf, int repetition, ShreddedRecord output, int depth)
    {
        (int index, int definition) = (leaf.FirstLeaf, leaf.DefinitionLevel);

        // The scanners below move end by reference, so that at stays in a register.
        int end = at;
        switch (json[at])
        {
            case (byte)'"':
                if (!ScanString(json, ref end, out int contentStart, out int length))
                {
                    return -1;
                }

                ReadOnlySpan<byte> content = json.Slice(contentStart, length);
                switch (leaf.Kind)
                {
                    case GlueKind.String:
                        output.AddRecordBytes(index, repetition, definition, contentStart, length);
                        return end;
                    case GlueKind.Timestamp when _timestamps.TryReadFirst(isString: true, content, out long micros):
                        output.AddFixed(index, repetition, definition, TimestampValue(leaf, micros));
                        return end;
                    case GlueKind.Date when IsoTimestamp.TryParseDate(content, out int dayNumber):
                        output.AddFixed(index, repetition, definition, dayNumber - EpochDayNumber);
                        return end;
                    case GlueKind.Decimal when leaf.PhysicalType != PhysicalType.FixedLenByteArray
                        && DecimalReader.TryReadSmall(content, leaf.Type.Precision, leaf.Type.Scale, out long unscaled):
                        output.AddFixed(index, repetition, definition, unscaled);
                        return end;
                    default:
                        return -1;
                }

            case (byte)'t' or (byte)'f':
                bool flag = json[at] == 't';
                ReadOnlySpan<byte> literal = flag ? "true"u8 : "false"u8;
                if (!json[at..].StartsWith(literal) || leaf.Kind is not (GlueKind.Boolean or GlueKind.String))
                {
                    return -1;
                }

                if (leaf.Kind == GlueKind.String)
                {
                    output.AddRecordBytes(index, repetition, definition, at, literal.Length);
                }
                else
                {
                    output.AddFixed(index, repetition, definition, flag ? 1 : 0);
                }

                return at + literal.Length;
            case (byte)'{' or (byte)'[':
                // An object or array in a string column keeps its JSON text; anything else gets it refused by the reader path.
                if (leaf.Kind != GlueKind.String || !SkipValue(json, ref end, depth))
                {
                    return -1;
                }

                output.AddRecordBytes(index, repetition, definition, at, end - at);
                return end;
            default:
                return ScanNumber(json, ref end) && FastNumber(json.Slice(at, end - at), at, leaf, repetition, output) ? end : -1;
        }
    }

    /// <summary>A JSON number's text for a leaf, read as the reader path reads it.</summary>
    private bool FastNumber(ReadOnlySpan<byte> text, int start, LeafNode leaf, int repetition, ShreddedRecord output)
    {
        (int index, int definition) = (leaf.FirstLeaf, leaf.DefinitionLevel);
        switch (leaf.Kind)
        {
            case GlueKind.String:
                output.AddRecordBytes(index, repetition, definition, start, text.Length);
                return true;
            case GlueKind.TinyInt or GlueKind.SmallInt or GlueKind.Int or GlueKind.BigInt:
                if (!Utf8Parser.TryParse(text, out long whole, out int used) || used != text.Length || !FitsInteger(leaf.Kind, whole))
                {
                    return false;
                }

                output.AddFixed(index, repetition, definition, whole);
                return true;
            case GlueKind.Float or GlueKind.Double:
                if (!ShortDouble.TryParse(text, out double number)
                    && (!Utf8Parser.TryParse(text, out number, out used) || used != text.Length || !double.IsFinite(number)))
                {
                    return false;
                }

                if (leaf.Kind == GlueKind.Double)
                {
                    output.AddFixed(index, repetition, definition, BitConverter.DoubleToInt64Bits(number));
                    return true;
                }

                if (!float.IsFinite((float)number))
                {
                    return false;
                }

                output.AddFixed(index, repetition, definition, BitConverter.SingleToInt32Bits((float)number));
                return true;
            case GlueKind.Decimal when leaf.PhysicalType != PhysicalType.FixedLenByteArray
                && DecimalReader.TryReadSmall(text, leaf.Type.Precision, leaf.Type.Scale, out long unscaled):
                output.AddFixed(index, repetition, definition, unscaled);
                return true;
            case GlueKind.Timestamp when _timestamps.TryReadFirst(isString: false, text, out long micros):
                output.AddFixed(index, repetition, definition, TimestampValue(leaf, micros));
                return true;
            case GlueKind.Date when Utf8Parser.TryParse(text, out int days, out used) && used == text.Length:
                output.AddFixed(index, repetition, definition, days);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Moves past any JSON value, checking it; false for escapes too, which the reader path checks.</summary>
    private bool SkipValue(ReadOnlySpan<byte> json, ref int at, int depth)
    {
        if (at >= json.Length)
        {
            return false;
        }

        switch (json[at])
        {
            case (byte)'"':
                return ScanString(json, ref at, out _, out _);
            case (byte)'{' or (byte)'[':
                byte close = json[at] == '{' ? (byte)'}' : (byte)']';
                bool isObject = close == '}';
                if (depth >= MaxFastDepth)
                {
                    return false;
                }

                at = SkipWhitespace(json, at + 1);
                if (at < json.Length && json[at] == close)
                {
                    at++;
                    return true;
                }

                while (true)
                {
                    if (isObject)
                    {
                        if (at >= json.Length || json[at] != '"' || !ScanString(json, ref at, out _, out _))
                        {
                            return false;
                        }

                        at = SkipWhitespace(json, at);
                        if (at >= json.Length || json[at] != ':')
                        {
                            return false;
                        }

                        at = SkipWhitespace(json, at + 1);
                    }

                    if (!SkipValue(json, ref at, depth + 1))
                    {
                        return false;
                    }

                    at = SkipWhitespace(json, at);
                    if (at < json.Length && json[at] == ',')
                    {
                        at = SkipWhitespace(json, at + 1);
                        continue;
                    }

                    if (at < json.Length && json[at] == close)
                    {
                        at++;
                        return true;
                    }

                    return false;
                }

            case (byte)'t':
                return Literal(json, ref at, "true"u8);
            case (byte)'f':
                return Literal(json, ref at, "false"u8);
            case (byte)'n':
                return Literal(json, ref at, "null"u8);
            default:
                return ScanNumber(json, ref at);
        }
    }

    private static bool Literal(ReadOnlySpan<byte> json, ref int at, ReadOnlySpan<byte> literal)
    {
        if (!json[at..].StartsWith(literal))
        {
            return false;
        }

        at += literal.Length;
        return true;
    }

    /// <summary>A string without escapes, <paramref name="at"/> on its opening quote; moves past the closing one.</summary>
    private bool ScanString(ReadOnlySpan<byte> json, ref int at, out int start, out int length)
    {
        start = at + 1;
        int stop = _recordIsUtf8 ? json[start..].IndexOfAny(StringStops) : json[start..].IndexOfAnyExcept(AsciiStringText);
        if (stop >= 0 && json[start + stop] >= 0x80)
        {
            if (!Utf8.IsValid(json))
            {
                length = 0;
                return false;
            }

            _recordIsUtf8 = true;
            int rest = json[(start + stop)..].IndexOfAny(StringStops);
            stop = rest < 0 ? -1 : stop + rest;
        }

        if (stop < 0 || json[start + stop] != '"')
        {
            length = 0;
            return false;
        }

        length = stop;
        at = start + stop + 1;
        return true;
    }

    /// <summary>A number as JSON's grammar has it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
    private static bool ScanNumber(ReadOnlySpan<byte> json, ref int at)
    {
        int i = at;
        if (i < json.Length && json[i] == '-')
        {
            i++;
        }

        if (i < json.Length && json[i] == '0')
        {
            i++;
        }
        else if (i < json.Length && json[i] is >= (byte)'1' and <= (byte)'9')
        {
            i = Digits(json, i + 1);
        }
        else
        {
            return false;
        }

        if (i < json.Length && json[i] == '.')
        {
            int fraction = i + 1;
            i = Digits(json, fraction);
            if (i == fraction)
            {
                return false;
            }
        }

        if (i < json.Length && (json[i] | 0x20) == 'e')
        {
            i++;
            if (i < json.Length && json[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            int exponent = i;
            i = Digits(json, exponent);
            if (i == exponent)
            {
                return false;
            }
        }

        at = i;
        return true;
    }

    private static int Digits(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length && (uint)(json[at] - '0') <= 9)
        {
            at++;
        }

        return at;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length && json[at] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            at++;
        }

        return at;
    }

    private static bool FitsInteger(GlueKind kind, long value) => kind switch
    {
        GlueKind.TinyInt => value is >= sbyte.MinValue and <= sbyte.MaxValue,
        GlueKind.SmallInt => value is >= short.MinValue and <= short.MaxValue,
        GlueKind.Int => value is >= int.MinValue and <= int.MaxValue,
        _ => true,
    };
}
