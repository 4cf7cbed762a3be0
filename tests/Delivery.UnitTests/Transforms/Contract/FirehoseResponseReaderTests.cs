using System.Text;
using Delivery.Transforms;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;

namespace Delivery.UnitTests.Transforms.Contract;

public sealed class FirehoseResponseReaderTests
{
    [Fact]
    public void EachResult_IsRead_WithDecodedDataAndPartitionKeys()
    {
        string json = """
            {"records":[
              {"recordId":"0","result":"Ok","data":"aGVsbG8=","metadata":{"partitionKeys":{"customer":"c-1","year":"2026"}}},
              {"recordId":"1","result":"Dropped"},
              {"recordId":"2","result":"ProcessingFailed","data":"aWdub3JlZA=="},
              {"unknown":"fields","are":["ignored"],"recordId":"3","result":"Ok","data":""}
            ],"extra":{"ignored":true}}
            """;

        using TransformReplies replies = FirehoseResponseReader.Read(Encoding.UTF8.GetBytes(json));

        replies.Select(reply => (reply.RecordIndex, reply.Result, reply.ErrorCode)).ShouldBe(
        [
            (0, TransformResult.Ok, (string?)null),
            (1, TransformResult.Dropped, null),
            (2, TransformResult.ProcessingFailed, null),
            (3, TransformResult.Ok, null),
        ]);
        Encoding.UTF8.GetString(replies[0].Data.Span).ShouldBe("hello");
        replies[0].PartitionKeys.ShouldBe(new Dictionary<string, string> { ["customer"] = "c-1", ["year"] = "2026" });
        replies[3].Data.Length.ShouldBe(0);
    }

    [Fact]
    public void Base64WithJsonEscapes_IsUnescapedBeforeDecoding()
    {
        // Some JSON encoders write '/' as "\/" and '+' as "\u002B"; base64 of FB FF BF is "+/+/".
        using TransformReplies replies = FirehoseResponseReader.Read("""{"records":[{"recordId":"0","result":"Ok","data":"\u002B\/+\/"}]}"""u8.ToArray());

        replies.ShouldHaveSingleItem().Data.ToArray().ShouldBe(new byte[] { 0xfb, 0xff, 0xbf });
    }

    [Theory]
    [InlineData("""{"recordId":"0","result":"Ok","data":"not base64!"}""", TransformErrorCodes.InvalidData, "is not valid base64")]
    [InlineData("""{"recordId":"0","result":"Ok","data":"aGVsbG8"}""", TransformErrorCodes.InvalidData, "is not valid base64")]
    [InlineData("""{"recordId":"0","result":"Ok"}""", TransformErrorCodes.InvalidData, "is missing")]
    [InlineData("""{"recordId":"0","result":"Ok","data":42}""", TransformErrorCodes.InvalidData, "is a Number")]
    [InlineData("""{"recordId":"0","result":"OK","data":"aGk="}""", TransformErrorCodes.InvalidResult, "is 'OK'")]
    [InlineData("""{"recordId":"0","data":"aGk="}""", TransformErrorCodes.InvalidResult, "is missing")]
    [InlineData("""{"recordId":"0","result":1,"data":"aGk="}""", TransformErrorCodes.InvalidResult, "is not a string")]
    [InlineData("""{"recordId":"0","result":"Ok","data":"aGk=","metadata":{"partitionKeys":{"n":5}}}""", TransformErrorCodes.InvalidPartitionKeys, "'n' is a Number")]
    [InlineData("""{"recordId":"0","result":"Ok","data":"aGk=","metadata":{"partitionKeys":[]}}""", TransformErrorCodes.InvalidPartitionKeys, "not an object")]
    [InlineData("""{"recordId":"0","result":"Ok","data":"aGk=","metadata":{"partitionKeys":{"n":"\ud800"}}}""", TransformErrorCodes.InvalidPartitionKeys, "the value of 'n' is not valid Unicode")]
    [InlineData("""{"recordId":"0","result":"Ok","data":"aGk=","metadata":{"partitionKeys":{"\ud800":"x"}}}""", TransformErrorCodes.InvalidPartitionKeys, "a key name is not valid Unicode")]
    [InlineData("""{"recordId":"0","result":"O\ud800k","data":"aGk="}""", TransformErrorCodes.InvalidResult, "is not valid Unicode")]
    [InlineData("""{"recordId":"0","result":"Ok","data":"a\ud800Gk="}""", TransformErrorCodes.InvalidData, "is not valid base64")]
    public void AMalformedRecord_FailsOnItsOwn_WithACodeAndReason(string record, string code, string reason)
    {
        using TransformReplies replies = FirehoseResponseReader.Read(Encoding.UTF8.GetBytes($$"""{"records":[{{record}},{"recordId":"1","result":"Ok","data":"aGk="}]}"""));

        replies.Count.ShouldBe(2);
        replies[0].ErrorCode.ShouldBe(code);
        replies[0].ErrorMessage.ShouldNotBeNull().ShouldContain(reason);
        replies[1].ErrorCode.ShouldBeNull();
    }

    [Fact]
    public void AResultWithoutARecordId_IsLeftOut_SoItsInputCountsAsMissing()
    {
        FirehoseResponseReader.Read("""{"records":[{"result":"Ok","data":"aGk="},{"recordId":7,"result":"Ok","data":"aGk="}]}"""u8.ToArray()).ShouldBeEmpty();
    }

    [Fact]
    public void AResultWhoseRecordIdIsNotValidUnicode_IsLeftOut_SoItsInputCountsAsMissing()
    {
        using TransformReplies replies = FirehoseResponseReader.Read("""{"records":[{"recordId":"0\udc00","result":"Ok","data":"aGk="},{"recordId":"1","result":"Ok","data":"aGk="}]}"""u8.ToArray());

        replies.ShouldHaveSingleItem().RecordIndex.ShouldBe(1);
    }

    [Theory]
    [InlineData("<html>502 Bad Gateway</html>", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{}", "no 'records' array")]
    [InlineData("{\"records\":{}}", "'records' is not an array")]
    [InlineData("{\"records\":[1]}", "element 0 of 'records' is not an object")]
    [InlineData("{\"records\":[]} trailing", "not valid JSON")]
    [InlineData("{\"records\":[{\"recordId\":\"0\"", "not valid JSON")]
    public void AResponseThatIsNotATransformResponse_FailsTheWholeInvocation(string body, string reason)
    {
        TransformInvocationException error = Should.Throw<TransformInvocationException>(() => FirehoseResponseReader.Read(Encoding.UTF8.GetBytes(body)));

        error.ErrorCode.ShouldBe(TransformErrorCodes.JsonProcessingException);
        error.Message.ShouldContain(reason);
    }
}
