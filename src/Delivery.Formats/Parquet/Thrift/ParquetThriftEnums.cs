namespace Delivery.Formats.Parquet.Thrift;

// Numeric values from parquet.thrift (Apache Parquet format); they are part of the file format.
internal enum PhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
}

internal enum ConvertedType
{
    Utf8 = 0,
    Map = 1,
    MapKeyValue = 2,
    List = 3,
    Decimal = 5,
    Date = 6,
    TimestampMillis = 9,
    TimestampMicros = 10,
    Int8 = 15,
    Int16 = 16,
}

internal enum Repetition
{
    Required = 0,
    Optional = 1,
    Repeated = 2,
}

internal enum PageEncoding
{
    Plain = 0,
    Rle = 3,
    RleDictionary = 8,
}

internal enum PageType
{
    DataPage = 0,
    DictionaryPage = 2,
}
