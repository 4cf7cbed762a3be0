using Delivery.Formats.Parquet.Schema;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>What the footer records about one written column chunk.</summary>
internal sealed record ColumnChunkMetadata(
    LeafNode Leaf,
    IReadOnlyList<int> Encodings,
    long Values,
    long UncompressedBytes,
    long CompressedBytes,
    long DataPageOffset,
    long? DictionaryPageOffset,
    byte[] Statistics)
{
    public long StartOffset => DictionaryPageOffset ?? DataPageOffset;

    /// <summary>Writes the ColumnChunk struct (with its ColumnMetaData) as a list element.</summary>
    public void Write(ThriftCompactWriter thrift, ParquetCompression compression)
    {
        thrift.BeginStruct();
        thrift.FieldI64(2, StartOffset);
        thrift.FieldStructBegin(3);
        thrift.FieldI32(1, (int)Leaf.PhysicalType);
        thrift.FieldListOfI32(2, Encodings);
        thrift.FieldListOfStrings(3, Leaf.PathInSchema);
        thrift.FieldI32(4, PageCompressor.CodecId(compression));
        thrift.FieldI64(5, Values);
        thrift.FieldI64(6, UncompressedBytes);
        thrift.FieldI64(7, CompressedBytes);
        thrift.FieldI64(9, DataPageOffset);
        if (DictionaryPageOffset is { } dictionaryOffset)
        {
            thrift.FieldI64(11, dictionaryOffset);
        }

        thrift.FieldStructSerialized(12, Statistics);
        thrift.EndStruct();
        thrift.EndStruct();
    }
}
