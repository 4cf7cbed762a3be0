using System.Text;
using Delivery.Transforms.Query;

namespace Delivery.UnitTests.Transforms.Query;

public sealed class JqQueryTests
{
    private const string Order = """
        {"customer_id":"c-42","device":{"type":"phone","os":"ios"},"items":[{"sku":"A1"},{"sku":"B2"}],
         "tags":["red","blue"],"ts":1714571100,"ts_ms":1714571100123,"iso":"2024-05-01T13:45:00Z","local":"01/05/2024 15:45 +0200",
         "amount":12.50,"big":12345678901234567890,"flag":true,"nothing":null,"a-b":"dash","a b":"space","Region":"EU-West"}
        """;

    [Theory]
    [InlineData("{customer_id: .customer_id}", "customer_id", "c-42")]
    [InlineData("{customer_id}", "customer_id", "c-42")]
    [InlineData("{os: .device.os}", "os", "ios")]
    [InlineData("{sku: .items[1].sku}", "sku", "B2")]
    [InlineData("{tag: .tags[0]}", "tag", "red")]
    [InlineData("{k: .[\"a-b\"]}", "k", "dash")]
    [InlineData("{k: .\"a b\"}", "k", "space")]
    [InlineData("{\"quoted key\": .customer_id}", "quoted key", "c-42")]
    [InlineData("{ts: .ts}", "ts", "1714571100")]
    [InlineData("{big: .big}", "big", "12345678901234567890")]
    [InlineData("{amount: .amount}", "amount", "12.5")]
    [InlineData("{flag: .flag}", "flag", "true")]
    [InlineData("{os: .device | .os}", "os", "ios")]
    public void Paths_FindFieldsNestedFieldsAndArrayElements(string query, string key, string expected)
    {
        Evaluate(query).ShouldBe(new Dictionary<string, string> { [key] = expected });
    }

    [Theory]
    [InlineData("{year: .ts | strftime(\"%Y\")}", "2024")]
    [InlineData("{day: .ts | strftime(\"%Y-%m-%d\")}", "2024-05-01")]
    [InlineData("{hour: .ts | strftime(\"%H\")}", "13")]
    [InlineData("{t: .ts | strftime(\"%F %T %j %a %b %Z\")}", "2024-05-01 13:45:00 122 Wed May UTC")]
    [InlineData("{day: .ts_ms / 1000 | strftime(\"%Y/%m/%d\")}", "2024/05/01")]
    [InlineData("{day: (.ts_ms / 1000) | strftime(\"%d\")}", "01")]
    [InlineData("{day: .iso | fromdateiso8601 | strftime(\"%Y%m%d\")}", "20240501")]
    [InlineData("{t: .iso | fromdate | todate}", "2024-05-01T13:45:00Z")]
    [InlineData("{t: .ts | todate}", "2024-05-01T13:45:00Z")]
    [InlineData("{hour: .local | strptime(\"%d/%m/%Y %H:%M %z\") | mktime | strftime(\"%H\")}", "13")]
    [InlineData("{year: .iso[0:4]}", "2024")]
    [InlineData("{month: .iso | split(\"-\") | .[1]}", "05")]
    public void DateFunctions_TurnEpochSecondsMillisecondsAndIsoStringsIntoUtcDateParts(string query, string expected)
    {
        Evaluate(query).Values.ShouldHaveSingleItem().ShouldBe(expected);
    }

    [Theory]
    [InlineData("{r: .Region | ascii_downcase}", "eu-west")]
    [InlineData("{r: .Region | ascii_upcase}", "EU-WEST")]
    [InlineData("{c: .customer_id | ltrimstr(\"c-\")}", "42")]
    [InlineData("{c: .customer_id | rtrimstr(\"-42\")}", "c")]
    [InlineData("{t: .tags | join(\"+\")}", "red+blue")]
    [InlineData("{t: .tags | first}", "red")]
    [InlineData("{t: .tags | last}", "blue")]
    [InlineData("{t: .tags | .[-1]}", "blue")]
    [InlineData("{t: .tags[-2]}", "red")]
    [InlineData("{n: .tags | length}", "2")]
    [InlineData("{n: .amount | floor}", "12")]
    [InlineData("{n: .amount * 2}", "25")]
    [InlineData("{n: .ts | tostring}", "1714571100")]
    [InlineData("{n: \"12\" }", null)]
    [InlineData("{m: .missing // \"unknown\"}", "unknown")]
    [InlineData("{m: .nothing // \"none\"}", "none")]
    [InlineData("{c: .customer_id // \"unknown\"}", "c-42")]
    public void StringAndArrayFunctions_WorkLikeJq(string query, string? expected)
    {
        if (expected is null)
        {
            Should.Throw<JqException>(() => JqQuery.Parse(query));
            return;
        }

        Evaluate(query).Values.ShouldHaveSingleItem().ShouldBe(expected);
    }

    [Fact]
    public void SeveralKeys_AreAllEvaluated_InOneScan()
    {
        JqQuery query = JqQuery.Parse("{customer_id: .customer_id, os: .device.os, year: .ts | strftime(\"%Y\"), again: .customer_id}");

        query.KeyNames.ShouldBe(["customer_id", "os", "year", "again"]);
        Evaluate(query.Text).ShouldBe(new Dictionary<string, string> { ["customer_id"] = "c-42", ["os"] = "ios", ["year"] = "2024", ["again"] = "c-42" });
    }

    [Theory]
    [InlineData("{k: .absent}", "key 'k': .absent is not in the record")]
    [InlineData("{k: .nothing}", "key 'k': .nothing is null")]
    [InlineData("{k: .device}", "key 'k': an object cannot be a partition key value")]
    [InlineData("{k: .tags}", "key 'k': an array cannot be a partition key value")]
    [InlineData("{k: .items[5].sku}", "key 'k': .items[5].sku is not in the record")]
    [InlineData("{k: .customer_id | strftime(\"%Y\")}", "key 'k': strftime cannot be applied to a string")]
    [InlineData("{k: .ts_ms | strftime(\"%Y\")}", "out of range for epoch seconds (is it in milliseconds? divide by 1000)")]
    [InlineData("{k: .customer_id | tonumber}", "'c-42' is not a number")]
    [InlineData("{k: .iso | fromdateiso8601 | .x}", "cannot take field 'x' of a number")]
    public void AValueAQueryCannotUse_FailsWithTheKeyAndTheReason(string text, string reason)
    {
        Dictionary<string, string>? keys = JqQuery.Parse(text).Evaluate(Encoding.UTF8.GetBytes(Order), out string? error);

        keys.ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(reason);
    }

    [Theory]
    [InlineData("[1,2]", "the record is not a JSON object")]
    [InlineData("\"text\"", "the record is not a JSON object")]
    [InlineData("not json", "the record is not valid JSON")]
    [InlineData("", "the record is not valid JSON")]
    [InlineData("{\"customer_id\": ", "the record is not valid JSON")]
    public void ARecordThatIsNotAJsonObject_Fails(string record, string reason)
    {
        JqQuery.Parse("{c: .customer_id}").Evaluate(Encoding.UTF8.GetBytes(record), out string? error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(reason);
    }

    [Theory]
    [InlineData("{\"c\":\"\\ud800\"}")]
    [InlineData("{\"c\":\"a\\udc00b\"}")]
    [InlineData("{\"c\":[\"\\ud83d\"]}")]
    public void AStringWithAnUnpairedSurrogateEscape_FailsTheRecord_InsteadOfThrowing(string record)
    {
        JqQuery.Parse("{c: .c}").Evaluate(Encoding.UTF8.GetBytes(record), out string? error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain("not valid Unicode");
    }

    [Fact]
    public void AStringWithBytesThatAreNotUtf8_FailsTheRecord_InsteadOfThrowing()
    {
        byte[] record = [.. "{\"c\":\"a"u8, 0xC3, 0x28, .. "\"}"u8];

        JqQuery.Parse("{c: .c}").Evaluate(record, out string? error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain("not valid Unicode");
    }

    [Fact]
    public void TheScan_StopsOnceEveryPathIsFound_SoTheRestOfTheRecordIsNotRead()
    {
        // Broken after the wanted field: a scan that read on would fail.
        byte[] record = Encoding.UTF8.GetBytes("{\"customer_id\":\"c-1\",\"rest\": [1, 2, oops");

        JqQuery.Parse("{c: .customer_id}").Evaluate(record, out string? error).ShouldBe(new Dictionary<string, string> { ["c"] = "c-1" });
        error.ShouldBeNull();
    }

    [Fact]
    public void EscapedFieldNamesAndValues_AreMatchedAndUnescaped()
    {
        byte[] record = Encoding.UTF8.GetBytes("{\"cust\\u006fmer\":\"a\\/b \\u00e9\"}");

        JqQuery.Parse("{c: .customer}").Evaluate(record, out _).ShouldBe(new Dictionary<string, string> { ["c"] = "a/b é" });
    }

    [Fact]
    public void ADuplicatedField_CountsWithItsFirstValue()
    {
        JqQuery.Parse("{c: .c}").Evaluate("{\"c\":\"first\",\"c\":\"second\"}"u8, out _).ShouldBe(new Dictionary<string, string> { ["c"] = "first" });
    }

    [Theory]
    [InlineData("customer_id: .customer_id", "a query is an object")]
    [InlineData("{c: .customer_id", "expected ',' or '}'")]
    [InlineData("{c: customer_id}", "'customer_id' is not a supported function")]
    [InlineData("{c: .c | sub(\"a\"; \"b\")}", "'sub' is not a supported function")]
    [InlineData("{c: .ts | strftime(\"%Q\")}", "%Q is not supported")]
    [InlineData("{c: .}", "must name a field of the record")]
    [InlineData("{c: .a, c: .b}", "the key 'c' is defined twice")]
    [InlineData("{c: .a / .b}", "takes a number literal on its right")]
    [InlineData("{c: .a | ltrimstr}", "ltrimstr takes a string argument")]
    [InlineData("{c: .a} extra", "unexpected text after the closing '}'")]
    public void AQueryOutsideTheSupportedSubset_IsRejectedWithWhereAndWhy(string query, string reason)
    {
        JqException error = Should.Throw<JqException>(() => JqQuery.Parse(query));

        error.Message.ShouldContain(reason);
        error.Message.ShouldContain("at character");
    }

    private static Dictionary<string, string> Evaluate(string query)
    {
        Dictionary<string, string>? keys = JqQuery.Parse(query).Evaluate(Encoding.UTF8.GetBytes(Order), out string? error);
        error.ShouldBeNull();
        return keys.ShouldNotBeNull();
    }
}
