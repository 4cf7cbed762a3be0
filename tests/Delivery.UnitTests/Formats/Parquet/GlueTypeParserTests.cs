using Delivery.Formats.Parquet.Schema;

namespace Delivery.UnitTests.Formats.Parquet;

public sealed class GlueTypeParserTests
{
    [Theory]
    [InlineData("string", "string")]
    [InlineData("  BIGINT ", "bigint")]
    [InlineData("varchar(20)", "string")]
    [InlineData("decimal", "decimal(10,0)")]
    [InlineData("decimal( 38 , 9 )", "decimal(38,9)")]
    [InlineData("array<struct<id:bigint,tags:array<string>>>", "array<struct<id:bigint,tags:array<string>>>")]
    [InlineData("map<string, map<int,double>>", "map<string,map<int,double>>")]
    [InlineData("struct<`odd name`:int, b : timestamp>", "struct<odd name:int,b:timestamp>")]
    public void Parses_GlueTypeStrings(string text, string expected)
    {
        GlueTypeParser.Parse(text).ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData("struct<a:int", "expected '>' at character 13")]
    [InlineData("array<>", "expected a type name at character 7")]
    [InlineData("decimal(39,2)", "precision 1-38")]
    [InlineData("decimal(5,6)", "scale 0 to precision")]
    [InlineData("map<array<int>,int>", "a primitive map key type")]
    [InlineData("struct<a:int,A:string>", "found 'A' twice")]
    [InlineData("long", "unknown type 'long'")]
    [InlineData("int extra", "expected end of the type at character 5")]
    public void Rejects_WithWhatWasExpected_AndWhere(string text, string message)
    {
        Should.Throw<FormatException>(() => GlueTypeParser.Parse(text)).Message.ShouldContain(message);
    }

    [Fact]
    public void Schema_GivesNestedLeavesTheirDremelLevels()
    {
        ParquetSchema schema = ParquetSchema.Create(
        [
            new ParquetColumn("id", "bigint", Nullable: false),
            new ParquetColumn("events", "array<struct<kind:string,tags:array<string>>>"),
            new ParquetColumn("attrs", "map<string,int>"),
        ]);

        schema.Leaves.Select(l => (string.Join('.', l.PathInSchema), l.DefinitionLevel, l.RepetitionLevel)).ShouldBe(
        [
            ("id", 0, 0),
            ("events.list.element.kind", 4, 1),
            ("events.list.element.tags.list.element", 6, 2),
            ("attrs.key_value.key", 2, 1),
            ("attrs.key_value.value", 3, 1),
        ]);
    }

    [Fact]
    public void Schema_RejectsDuplicateColumns_IgnoringCase()
    {
        Should.Throw<ParquetSchemaException>(() => ParquetSchema.Create([new ParquetColumn("a", "int"), new ParquetColumn("A", "int")]))
            .ColumnIndex.ShouldBe(1);
    }
}
