using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Schema;

/// <summary>
/// The validated schema of the Parquet files a pipeline writes: the configured top-level columns with their Glue types,
/// turned into a Parquet schema tree (nested structs, three-level lists and maps) with definition and repetition levels.
/// Immutable and safe to share.
/// </summary>
public sealed class ParquetSchema
{
    private readonly List<LeafNode> _leaves = [];

    private ParquetSchema(IReadOnlyList<ParquetColumn> columns)
    {
        Columns = columns;
        var children = new List<SchemaNode>(columns.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < columns.Count; i++)
        {
            ParquetColumn column = columns[i];
            if (string.IsNullOrWhiteSpace(column.Name))
            {
                throw new ParquetSchemaException(i, "has no name.");
            }

            if (!names.Add(column.Name))
            {
                throw new ParquetSchemaException(i, $"'{column.Name}' is configured twice (names are compared ignoring case, as Glue does).");
            }

            GlueType type;
            try
            {
                type = GlueTypeParser.Parse(column.Type ?? "");
            }
            catch (FormatException ex)
            {
                throw new ParquetSchemaException(i, $"'{column.Name}' has an invalid type: {ex.Message}", ex);
            }

            children.Add(Build(column.Name, type, column.Nullable, column.Name, column.TimestampUnit, 0, 0, []));
        }

        Root = new StructNode("schema", optional: false, "", children) { LeafCount = _leaves.Count };
    }

    /// <summary>The columns as configured, in file order.</summary>
    public IReadOnlyList<ParquetColumn> Columns { get; }

    /// <summary>How many leaf (value) columns the Parquet file has, counting each nested field.</summary>
    public int LeafCount => _leaves.Count;

    internal StructNode Root { get; }

    internal IReadOnlyList<LeafNode> Leaves => _leaves;

    /// <summary>Builds the schema, or throws <see cref="ParquetSchemaException"/> naming the first bad column and why.</summary>
    public static ParquetSchema Create(IReadOnlyList<ParquetColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0)
        {
            throw new ParquetSchemaException(-1, "a Parquet schema needs at least one column.");
        }

        return new ParquetSchema(columns);
    }

    private SchemaNode Build(string name, GlueType type, bool optional, string path, TimestampUnit unit, int parentDef, int parentRep, string[] parentPath)
    {
        int def = parentDef + (optional ? 1 : 0);
        string[] schemaPath = [.. parentPath, name];
        int firstLeaf = _leaves.Count;
        SchemaNode node;
        switch (type)
        {
            case GluePrimitive primitive:
                var leaf = new LeafNode(name, optional, path, primitive, unit) { PathInSchema = schemaPath };
                _leaves.Add(leaf);
                node = leaf;
                break;
            case GlueStruct structType:
                var fields = new List<SchemaNode>(structType.Fields.Count);
                foreach (GlueField field in structType.Fields)
                {
                    fields.Add(Build(field.Name, field.Type, optional: true, $"{path}.{field.Name}", unit, def, parentRep, schemaPath));
                }

                node = new StructNode(name, optional, path, fields);
                break;
            case GlueArray array:
                string[] listPath = [.. schemaPath, "list"];
                SchemaNode element = Build("element", array.Element, optional: true, $"{path}[]", unit, def + 1, parentRep + 1, listPath);
                node = new ListNode(name, optional, path, element) { RepeatedDefinitionLevel = def + 1, RepeatedRepetitionLevel = parentRep + 1 };
                break;
            case GlueMap map:
                string[] keyValuePath = [.. schemaPath, "key_value"];
                var key = (LeafNode)Build("key", map.Key, optional: false, $"{path}.key", unit, def + 1, parentRep + 1, keyValuePath);
                SchemaNode value = Build("value", map.Value, optional: true, $"{path}.value", unit, def + 1, parentRep + 1, keyValuePath);
                node = new MapNode(name, optional, path, key, value) { RepeatedDefinitionLevel = def + 1, RepeatedRepetitionLevel = parentRep + 1 };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown Glue type.");
        }

        node.DefinitionLevel = def;
        node.RepetitionLevel = parentRep;
        node.FirstLeaf = firstLeaf;
        node.LeafCount = _leaves.Count - firstLeaf;
        return node;
    }

    /// <summary>Writes the flattened SchemaElement list of the footer, root first, depth first.</summary>
    internal void WriteSchemaElements(ThriftCompactWriter thrift)
    {
        thrift.FieldListOfStructs(2, CountElements(Root));
        WriteGroup(thrift, Root.Name, Repetition.Required, Root.Children.Count, null, isRoot: true);
        foreach (SchemaNode child in Root.Children)
        {
            WriteNode(thrift, child);
        }
    }

    private static int CountElements(SchemaNode node) => node switch
    {
        StructNode s => 1 + s.Children.Sum(CountElements),
        ListNode l => 2 + CountElements(l.Element),
        MapNode m => 2 + CountElements(m.Key) + CountElements(m.Value),
        _ => 1,
    };

    private static void WriteNode(ThriftCompactWriter thrift, SchemaNode node)
    {
        Repetition repetition = node.Optional ? Repetition.Optional : Repetition.Required;
        switch (node)
        {
            case LeafNode leaf:
                WriteLeaf(thrift, leaf, repetition);
                break;
            case StructNode structNode:
                WriteGroup(thrift, node.Name, repetition, structNode.Children.Count, null);
                foreach (SchemaNode child in structNode.Children)
                {
                    WriteNode(thrift, child);
                }

                break;
            case ListNode list:
                WriteGroup(thrift, node.Name, repetition, 1, ConvertedType.List, logicalTypeField: 3);
                WriteGroup(thrift, "list", Repetition.Repeated, 1, null);
                WriteNode(thrift, list.Element);
                break;
            case MapNode map:
                WriteGroup(thrift, node.Name, repetition, 1, ConvertedType.Map, logicalTypeField: 2);
                WriteGroup(thrift, "key_value", Repetition.Repeated, 2, null);
                WriteNode(thrift, map.Key);
                WriteNode(thrift, map.Value);
                break;
        }
    }

    private static void WriteGroup(ThriftCompactWriter thrift, string name, Repetition repetition, int children, ConvertedType? converted, short logicalTypeField = 0, bool isRoot = false)
    {
        thrift.BeginStruct();
        if (!isRoot)
        {
            thrift.FieldI32(3, (int)repetition);
        }

        thrift.FieldString(4, name);
        thrift.FieldI32(5, children);
        if (converted is { } convertedType)
        {
            thrift.FieldI32(6, (int)convertedType);
        }

        if (logicalTypeField != 0)
        {
            thrift.FieldStructBegin(10);
            thrift.FieldStructBegin(logicalTypeField);
            thrift.EndStruct();
            thrift.EndStruct();
        }

        thrift.EndStruct();
    }

    private static void WriteLeaf(ThriftCompactWriter thrift, LeafNode leaf, Repetition repetition)
    {
        thrift.BeginStruct();
        thrift.FieldI32(1, (int)leaf.PhysicalType);
        if (leaf.TypeLength > 0)
        {
            thrift.FieldI32(2, leaf.TypeLength);
        }

        thrift.FieldI32(3, (int)repetition);
        thrift.FieldString(4, leaf.Name);
        GluePrimitive type = leaf.Type;
        ConvertedType? converted = type.Kind switch
        {
            GlueKind.String => ConvertedType.Utf8,
            GlueKind.TinyInt => ConvertedType.Int8,
            GlueKind.SmallInt => ConvertedType.Int16,
            GlueKind.Decimal => ConvertedType.Decimal,
            GlueKind.Date => ConvertedType.Date,
            GlueKind.Timestamp => leaf.TimestampUnit == TimestampUnit.Milliseconds ? ConvertedType.TimestampMillis : ConvertedType.TimestampMicros,
            _ => null,
        };
        if (converted is { } convertedType)
        {
            thrift.FieldI32(6, (int)convertedType);
        }

        if (type.Kind == GlueKind.Decimal)
        {
            thrift.FieldI32(7, type.Scale);
            thrift.FieldI32(8, type.Precision);
        }

        WriteLogicalType(thrift, leaf);
        thrift.EndStruct();
    }

    private static void WriteLogicalType(ThriftCompactWriter thrift, LeafNode leaf)
    {
        GluePrimitive type = leaf.Type;
        switch (type.Kind)
        {
            case GlueKind.String:
                Empty(thrift, 1);
                break;
            case GlueKind.Date:
                Empty(thrift, 6);
                break;
            case GlueKind.Decimal:
                thrift.FieldStructBegin(10);
                thrift.FieldStructBegin(5);
                thrift.FieldI32(1, type.Scale);
                thrift.FieldI32(2, type.Precision);
                thrift.EndStruct();
                thrift.EndStruct();
                break;
            case GlueKind.TinyInt or GlueKind.SmallInt:
                thrift.FieldStructBegin(10);
                thrift.FieldStructBegin(10);
                thrift.FieldByte(1, type.Kind == GlueKind.TinyInt ? (sbyte)8 : (sbyte)16);
                thrift.FieldBool(2, true);
                thrift.EndStruct();
                thrift.EndStruct();
                break;
            case GlueKind.Timestamp:
                thrift.FieldStructBegin(10);
                thrift.FieldStructBegin(8);
                thrift.FieldBool(1, true); // isAdjustedToUTC: these are instants
                thrift.FieldStructBegin(2);
                thrift.FieldStructBegin(leaf.TimestampUnit == TimestampUnit.Milliseconds ? (short)1 : (short)2);
                thrift.EndStruct();
                thrift.EndStruct();
                thrift.EndStruct();
                thrift.EndStruct();
                break;
        }

        static void Empty(ThriftCompactWriter thrift, short member)
        {
            thrift.FieldStructBegin(10);
            thrift.FieldStructBegin(member);
            thrift.EndStruct();
            thrift.EndStruct();
        }
    }
}

/// <summary>A configured Parquet schema is not usable; the message names the column and the reason.</summary>
public sealed class ParquetSchemaException : Exception
{
    public ParquetSchemaException()
    {
    }

    public ParquetSchemaException(string message)
        : base(message)
    {
    }

    public ParquetSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ParquetSchemaException(int columnIndex, string problem, Exception? innerException = null)
        : base(columnIndex < 0 ? problem : $"column {columnIndex} {problem}", innerException)
    {
        ColumnIndex = columnIndex;
    }

    /// <summary>The index of the offending column, or -1 when the problem is the schema as a whole.</summary>
    public int ColumnIndex { get; } = -1;
}
