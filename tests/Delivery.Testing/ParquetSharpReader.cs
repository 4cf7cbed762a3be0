using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using ParquetSharp;
using ParquetSharp.Arrow;

namespace Delivery.Testing;

/// <summary>
/// Reads a Parquet file with ParquetSharp: Apache Arrow's C++ Parquet library (the reader behind pyarrow and the C++
/// engines), in process. Rows come out in the canonical JSON form of <c>tests/parquet-readers/read.mjs</c>, taken
/// straight from the Arrow buffers so nothing is rounded; the footer in the shape of its <c>footerFacts</c>.
/// </summary>
public static class ParquetSharpReader
{
    public static JsonArray ReadRows(byte[] file)
    {
        using var input = new MemoryStream(file, writable: false);
        using var reader = new FileReader(input);
        using IArrowArrayStream batches = reader.GetRecordBatchReader();
        var rows = new JsonArray();
        while (batches.ReadNextRecordBatchAsync().AsTask().GetAwaiter().GetResult() is { } batch)
        {
            using (batch)
            {
                for (int row = 0; row < batch.Length; row++)
                {
                    var values = new JsonObject();
                    for (int column = 0; column < batch.ColumnCount; column++)
                    {
                        values[batch.Schema.GetFieldByIndex(column).Name] = Value(batch.Column(column), row);
                    }

                    rows.Add(values);
                }
            }
        }

        return rows;
    }

    /// <summary>Row groups with, per column chunk: path, codec, encodings, null count and min/max as Arrow C++ reads them.</summary>
    public static JsonObject ReadFooter(byte[] file)
    {
        using var input = new MemoryStream(file, writable: false);
        using var reader = new ParquetFileReader(input);
        using ParquetSharp.FileMetaData metadata = reader.FileMetaData;
        var groups = new JsonArray();
        for (int g = 0; g < metadata.NumRowGroups; g++)
        {
            using RowGroupReader group = reader.RowGroup(g);
            var columns = new JsonArray();
            for (int c = 0; c < metadata.NumColumns; c++)
            {
                ColumnDescriptor descriptor = metadata.Schema.Column(c);
                using ColumnChunkMetaData chunk = group.MetaData.GetColumnChunkMetaData(c);
                using Statistics? statistics = chunk.IsStatsSet ? chunk.Statistics : null;
                using ParquetSharp.Schema.ColumnPath path = descriptor.Path;
                columns.Add(new JsonObject
                {
                    ["path"] = path.ToDotString(),
                    ["codec"] = chunk.Compression.ToString().ToUpperInvariant(),
                    ["encodings"] = new JsonArray([.. chunk.Encodings.Select(e => (JsonNode)EncodingName(e))]),
                    ["nullCount"] = statistics is null ? null : statistics.NullCount,
                    ["min"] = statistics is { HasMinMax: true } ? Bound(statistics.MinUntyped, descriptor) : null,
                    ["max"] = statistics is { HasMinMax: true } ? Bound(statistics.MaxUntyped, descriptor) : null,
                });
            }

            groups.Add(new JsonObject { ["numRows"] = group.MetaData.NumRows, ["columns"] = columns });
        }

        // Through text, so that it reads like the footer parsed from read.mjs's output (GetValue<int> on a count works).
        var footer = new JsonObject { ["createdBy"] = metadata.CreatedBy, ["numRows"] = metadata.NumRows, ["rowGroups"] = groups };
        return JsonNode.Parse(footer.ToJsonString())!.AsObject();
    }

    private static JsonNode? Value(IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            return null;
        }

        return array switch
        {
            BooleanArray a => a.GetValue(index),
            Int8Array a => a.GetValue(index),
            Int16Array a => a.GetValue(index),
            Int32Array a => a.GetValue(index),
            Int64Array a => a.GetValue(index)!.Value.ToString(CultureInfo.InvariantCulture),
            FloatArray a => (double)a.GetValue(index)!.Value,
            DoubleArray a => a.GetValue(index),
            StringArray a => a.GetString(index),
            BinaryArray a => Convert.ToBase64String(a.GetBytes(index)),
            Decimal128Array a => Decimal(a, index),
            Date32Array a => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + a.GetValue(index)!.Value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            TimestampArray a => Micros(a, index).ToString(CultureInfo.InvariantCulture),
            StructArray a => Struct(a, index),
            MapArray a => Map(a, index),
            ListArray a => List(a, index),
            _ => throw new NotSupportedException($"Arrow type {array.Data.DataType.Name} has no canonical form here."),
        };
    }

    private static string Decimal(Decimal128Array array, int index)
    {
        ReadOnlySpan<byte> bytes = array.ValueBuffer.Span.Slice((array.Offset + index) * 16, 16);
        var unscaled = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        string digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(array.Scale + 1, '0');
        string text = array.Scale == 0 ? digits : digits[..^array.Scale] + "." + digits[^array.Scale..];
        return unscaled.Sign < 0 ? "-" + text : text;
    }

    private static long Micros(TimestampArray array, int index)
    {
        long raw = array.GetValue(index)!.Value;
        return ((TimestampType)array.Data.DataType).Unit switch
        {
            Apache.Arrow.Types.TimeUnit.Second => raw * 1_000_000,
            Apache.Arrow.Types.TimeUnit.Millisecond => raw * 1000,
            Apache.Arrow.Types.TimeUnit.Microsecond => raw,
            _ => raw / 1000,
        };
    }

    private static JsonObject Struct(StructArray array, int index)
    {
        var type = (StructType)array.Data.DataType;
        var result = new JsonObject();
        for (int f = 0; f < type.Fields.Count; f++)
        {
            // Children are indexed in the parent's coordinates: its offset applies to them too.
            result[type.Fields[f].Name] = Value(array.Fields[f], array.Offset + index);
        }

        return result;
    }

    private static JsonArray List(ListArray array, int index)
    {
        var result = new JsonArray();
        for (int j = array.ValueOffsets[index]; j < array.ValueOffsets[index + 1]; j++)
        {
            result.Add(Value(array.Values, j));
        }

        return result;
    }

    private static JsonArray Map(MapArray array, int index)
    {
        var result = new JsonArray();
        for (int j = array.ValueOffsets[index]; j < array.ValueOffsets[index + 1]; j++)
        {
            result.Add(new JsonArray(Value(array.KeyValues.Fields[0], j), Value(array.KeyValues.Fields[1], j)));
        }

        return result;
    }

    private static JsonNode? Bound(object value, ColumnDescriptor column) => value switch
    {
        bool b => b,
        int i => i,
        long l => l.ToString(CultureInfo.InvariantCulture),
        float f => (double)f,
        double d => d,
        ByteArray bytes => column.LogicalType is StringLogicalType ? System.Text.Encoding.UTF8.GetString(Copy(bytes.Pointer, bytes.Length)) : Convert.ToBase64String(Copy(bytes.Pointer, bytes.Length)),
        FixedLenByteArray bytes => Convert.ToBase64String(Copy(bytes.Pointer, column.TypeLength)),
        _ => value.ToString(),
    };

    private static byte[] Copy(IntPtr pointer, int length)
    {
        byte[] bytes = new byte[length];
        if (length > 0)
        {
            Marshal.Copy(pointer, bytes, 0, length);
        }

        return bytes;
    }

    /// <summary>The Parquet spec's names (PLAIN, RLE_DICTIONARY...), as the other readers print them.</summary>
    private static string EncodingName(ParquetSharp.Encoding encoding) => encoding switch
    {
        ParquetSharp.Encoding.Plain => "PLAIN",
        ParquetSharp.Encoding.PlainDictionary => "PLAIN_DICTIONARY",
        ParquetSharp.Encoding.Rle => "RLE",
        ParquetSharp.Encoding.BitPacked => "BIT_PACKED",
        ParquetSharp.Encoding.DeltaBinaryPacked => "DELTA_BINARY_PACKED",
        ParquetSharp.Encoding.DeltaLengthByteArray => "DELTA_LENGTH_BYTE_ARRAY",
        ParquetSharp.Encoding.DeltaByteArray => "DELTA_BYTE_ARRAY",
        ParquetSharp.Encoding.RleDictionary => "RLE_DICTIONARY",
        ParquetSharp.Encoding.ByteStreamSplit => "BYTE_STREAM_SPLIT",
        _ => encoding.ToString(),
    };
}
