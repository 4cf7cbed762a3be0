namespace Delivery.Formats.Parquet.Schema;

/// <summary>The primitive Glue (Hive) column types Delivery converts JSON into.</summary>
public enum GlueKind
{
    String,
    Boolean,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal,
    Date,
    Timestamp,
    Binary,
}

/// <summary>A column type as Glue and Athena write it: a primitive, <c>struct&lt;...&gt;</c>, <c>array&lt;T&gt;</c> or <c>map&lt;K,V&gt;</c>.</summary>
public abstract record GlueType;

/// <summary>A primitive type; <see cref="Precision"/> and <see cref="Scale"/> are set for decimals only.</summary>
public sealed record GluePrimitive(GlueKind Kind, int Precision = 0, int Scale = 0) : GlueType
{
    public override string ToString() => Kind == GlueKind.Decimal ? $"decimal({Precision},{Scale})" : Kind.ToString().ToLowerInvariant();
}

/// <summary>A named field of a <see cref="GlueStruct"/>.</summary>
public sealed record GlueField(string Name, GlueType Type);

public sealed record GlueStruct(IReadOnlyList<GlueField> Fields) : GlueType
{
    public override string ToString() => $"struct<{string.Join(',', Fields.Select(f => f.Name + ":" + f.Type))}>";
}

public sealed record GlueArray(GlueType Element) : GlueType
{
    public override string ToString() => $"array<{Element}>";
}

public sealed record GlueMap(GluePrimitive Key, GlueType Value) : GlueType
{
    public override string ToString() => $"map<{Key},{Value}>";
}
