using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Schema;

/// <summary>
/// A node of the Parquet schema tree with its Dremel levels: <see cref="DefinitionLevel"/> and
/// <see cref="RepetitionLevel"/> are the levels a value has when this node is present. Leaves of a node occupy the
/// contiguous range <see cref="FirstLeaf"/> .. + <see cref="LeafCount"/>.
/// </summary>
internal abstract class SchemaNode(string name, bool optional, string path)
{
    public string Name { get; } = name;

    public bool Optional { get; } = optional;

    /// <summary>Dotted path for error messages, such as <c>user.address.city</c>.</summary>
    public string Path { get; } = path;

    public int DefinitionLevel { get; set; }

    public int RepetitionLevel { get; set; }

    public int FirstLeaf { get; set; }

    public int LeafCount { get; set; }
}

/// <summary>A column of values: one Parquet leaf.</summary>
internal sealed class LeafNode(string name, bool optional, string path, GluePrimitive type, TimestampUnit unit) : SchemaNode(name, optional, path)
{
    public GluePrimitive Type { get; } = type;

    /// <summary><see cref="Type"/>'s kind, read for every value.</summary>
    public GlueKind Kind { get; } = type.Kind;

    public TimestampUnit TimestampUnit { get; } = unit;

    /// <summary>The names from the root to this leaf, including the LIST/MAP wrapper groups.</summary>
    public IReadOnlyList<string> PathInSchema { get; set; } = [];

    public PhysicalType PhysicalType { get; } = type.Kind switch
    {
        GlueKind.Boolean => PhysicalType.Boolean,
        GlueKind.TinyInt or GlueKind.SmallInt or GlueKind.Int or GlueKind.Date => PhysicalType.Int32,
        GlueKind.BigInt or GlueKind.Timestamp => PhysicalType.Int64,
        GlueKind.Float => PhysicalType.Float,
        GlueKind.Double => PhysicalType.Double,
        GlueKind.Decimal when type.Precision <= 9 => PhysicalType.Int32,
        GlueKind.Decimal when type.Precision <= 18 => PhysicalType.Int64,
        GlueKind.Decimal => PhysicalType.FixedLenByteArray,
        _ => PhysicalType.ByteArray,
    };

    /// <summary>For FIXED_LEN_BYTE_ARRAY decimals: the fewest bytes whose two's complement holds every value of the precision.</summary>
    public int TypeLength { get; } = type.Kind == GlueKind.Decimal && type.Precision > 18 ? DecimalBytes(type.Precision) : 0;

    private static int DecimalBytes(int precision)
    {
        // Smallest n with 2^(8n-1) > 10^precision.
        var limit = System.Numerics.BigInteger.Pow(10, precision);
        int bytes = 1;
        while (System.Numerics.BigInteger.Pow(2, (8 * bytes) - 1) <= limit)
        {
            bytes++;
        }

        return bytes;
    }
}

/// <summary>A struct: named children matched against JSON object keys.</summary>
internal sealed class StructNode(string name, bool optional, string path, IReadOnlyList<SchemaNode> children) : SchemaNode(name, optional, path)
{
    public IReadOnlyList<SchemaNode> Children { get; } = children;
}

/// <summary>
/// An array in the three-level LIST layout every reader expects:
/// <c>optional group name (LIST) { repeated group list { optional T element; } }</c>.
/// </summary>
internal sealed class ListNode(string name, bool optional, string path, SchemaNode element) : SchemaNode(name, optional, path)
{
    public SchemaNode Element { get; } = element;

    /// <summary>The levels of the repeated <c>list</c> group: an element slot exists.</summary>
    public int RepeatedDefinitionLevel { get; set; }

    public int RepeatedRepetitionLevel { get; set; }
}

/// <summary>
/// A map in the MAP layout: <c>optional group name (MAP) { repeated group key_value { required K key; optional V value; } }</c>.
/// </summary>
internal sealed class MapNode(string name, bool optional, string path, LeafNode key, SchemaNode value) : SchemaNode(name, optional, path)
{
    public LeafNode Key { get; } = key;

    public SchemaNode Value { get; } = value;

    public int RepeatedDefinitionLevel { get; set; }

    public int RepeatedRepetitionLevel { get; set; }
}
