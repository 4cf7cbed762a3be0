namespace Delivery.Formats.Parquet.Json;

/// <summary>A record that cannot be converted to the schema; the message names the column and the value's problem.</summary>
internal sealed class RecordConversionException(string errorCode, string message) : Exception(message)
{
    public string ErrorCode { get; } = errorCode;
}

/// <summary>Error codes of records that could not be converted (the errorCode of the failed-record document).</summary>
public static class FormatConversionErrorCodes
{
    /// <summary>The record is not one or more JSON objects.</summary>
    public const string MalformedJson = "DataFormatConversion.MalformedJson";

    /// <summary>A value does not fit its column's type (not a number, out of range, unparseable timestamp...).</summary>
    public const string InvalidValue = "DataFormatConversion.InvalidValue";

    /// <summary>A column configured as not nullable has no value.</summary>
    public const string MissingRequiredValue = "DataFormatConversion.MissingRequiredValue";
}
