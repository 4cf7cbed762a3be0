using System.Text.Json.Serialization;

namespace Delivery.Formats.Parquet.Json;

/// <summary>Source-generated JSON metadata for the few values the converter serializes itself (map keys of non-string type).</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class FormatsJsonContext : JsonSerializerContext
{
}
