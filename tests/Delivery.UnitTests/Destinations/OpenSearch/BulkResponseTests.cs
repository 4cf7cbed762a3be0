using System.Net;
using System.Text;
using Delivery.Destinations.OpenSearch;
using Delivery.Destinations.Retrying;

namespace Delivery.UnitTests.Destinations.OpenSearch;

public sealed class BulkResponseTests
{
    [Fact]
    public void APartialFailure_GivesEachItemsStatus_AndTheErrorsTypeAndReason()
    {
        // The shape of OpenSearch's documented example, with a 429 and a mapping error among the results.
        const string Body = """
        {"took":30,"errors":true,"items":[
          {"index":{"_index":"logs","_id":"a","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}},
          {"index":{"_index":"logs","_id":"b","status":429,"error":{"type":"rejected_execution_exception","reason":"rejected execution of coordinating operation"}}},
          {"index":{"_index":"logs","_id":"c","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [n] of type [long] in document with id 'c'","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"x\""}}}},
          {"index":{"_index":"logs","_id":"d","_version":2,"result":"updated","status":200}}
        ]}
        """;

        BulkItemResult[] items = BulkResponse.Parse(Encoding.UTF8.GetBytes(Body), 4, out string problem)!;

        problem.ShouldBeEmpty();
        items.Select(item => item.Succeeded).ShouldBe([true, false, false, true]);
        items[1].ShouldBe(new BulkItemResult(429, "rejected_execution_exception", "rejected execution of coordinating operation"));
        items[2].Status.ShouldBe(400);
        items[2].ErrorType.ShouldBe("mapper_parsing_exception");
        items[2].ErrorReason.ShouldBe("failed to parse field [n] of type [long] in document with id 'c' (caused by illegal_argument_exception: For input string: \"x\")");
    }

    [Theory]
    [InlineData("""{"took":1,"errors":false,"items":[{"index":{"status":201}}]}""", "2 sent")]
    [InlineData("""{"took":1,"errors":false,"items":[{"index":{"status":201}},{"index":{"_id":"x"}}]}""", "no integer 'status'")]
    [InlineData("""{"took":1,"errors":false,"items":[{"index":{"status":201}},{"index":{"status":400,"error":{"type":"x"}}}]}""", "'errors' is false")]
    [InlineData("""{"took":1,"items":[{"index":{"status":201}},{"index":{"status":201}}]}""", "not a bulk response")]
    [InlineData("""{"took":1,"errors":false,"items":[{"index":{"status":201},"create":{"status":201}},{"index":{"status":201}}]}""", "more than one action")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"took":1,"errors":false,"items":[{"index":""", "not valid JSON")]
    public void AResponseThatDoesNotAnswerEveryDocument_IsNotTrusted(string body, string problem)
    {
        BulkResponse.Parse(Encoding.UTF8.GetBytes(body), 2, out string why).ShouldBeNull();
        why.ShouldContain(problem);
    }

    [Fact]
    public void AnErrorAsAString_FromElasticsearchBefore2_IsItsReason()
    {
        BulkItemResult[] items = BulkResponse.Parse("""{"took":1,"errors":true,"items":[{"index":{"_index":"x","status":400,"error":"MapperParsingException[failed to parse]"}}]}"""u8, 1, out _)!;

        items[0].ShouldBe(new BulkItemResult(400, null, "MapperParsingException[failed to parse]"));
    }

    [Theory]
    [InlineData("""{"error":{"root_cause":[{"type":"x"}],"type":"cluster_manager_not_discovered_exception","reason":"no leader"},"status":503}""", "cluster_manager_not_discovered_exception", "no leader")]
    [InlineData("""{"message":"User: arn:aws:sts::123:assumed-role/r is not authorized to perform: es:ESHttpPost"}""", null, "User: arn:aws:sts::123:assumed-role/r is not authorized to perform: es:ESHttpPost")]
    [InlineData("""{"Message":"Request size exceeded 10485760 bytes"}""", null, "Request size exceeded 10485760 bytes")]
    [InlineData("<html>Bad Gateway</html>", null, null)]
    public void AWholeRequestsError_IsReadFromOpenSearchsOrAwssShape(string body, string? type, string? reason) =>
        BulkResponse.ParseError(Encoding.UTF8.GetBytes(body)).ShouldBe((type, reason));
}

public sealed class OpenSearchErrorsTests
{
    [Theory]
    [InlineData("mapper_parsing_exception", 400, "OpenSearch.MapperParsingException")]
    [InlineData("es_rejected_execution_exception", 429, "OpenSearch.EsRejectedExecutionException")]
    [InlineData("version_conflict_engine_exception", 409, "OpenSearch.VersionConflictEngineException")]
    [InlineData(null, 403, "OpenSearch.AccessDenied")]
    [InlineData(null, 401, "OpenSearch.Unauthorized")]
    [InlineData(null, 413, "OpenSearch.RequestEntityTooLarge")]
    [InlineData(null, 429, "OpenSearch.TooManyRequests")]
    [InlineData(null, 502, "OpenSearch.ServerError")]
    [InlineData("not a type!", 400, "OpenSearch.RequestFailed")]
    public void ErrorCodes_AreTheErrorTypeInPascalCase_OrNameTheStatus(string? type, int status, string code) =>
        OpenSearchErrors.Code(type, status).ShouldBe(code);

    [Theory]
    [InlineData(429, "rejected_execution_exception", true)]
    [InlineData(429, "es_rejected_execution_exception", true)]
    [InlineData(503, "unavailable_shards_exception", true)]
    [InlineData(500, null, true)]
    [InlineData(403, "cluster_block_exception", true)]
    [InlineData(400, "mapper_parsing_exception", false)]
    [InlineData(400, "illegal_argument_exception", false)]
    [InlineData(409, "version_conflict_engine_exception", false)]
    [InlineData(404, "index_not_found_exception", false)]
    public void OnlyDocumentsRefusedForNow_AreRetried(int status, string? type, bool retried) =>
        OpenSearchErrors.IsRetryableItem(status, type).ShouldBe(retried);

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, AttemptStatus.Retryable)]
    [InlineData(HttpStatusCode.TooManyRequests, AttemptStatus.Retryable)]
    [InlineData(HttpStatusCode.Forbidden, AttemptStatus.Retryable)]
    [InlineData(HttpStatusCode.Unauthorized, AttemptStatus.Retryable)]
    [InlineData(HttpStatusCode.RequestTimeout, AttemptStatus.Retryable)]
    [InlineData(HttpStatusCode.BadRequest, AttemptStatus.Permanent)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, AttemptStatus.Permanent)]
    [InlineData(HttpStatusCode.NotFound, AttemptStatus.Permanent)]
    [InlineData(HttpStatusCode.MovedPermanently, AttemptStatus.Permanent)]
    public void AWholeRequestRefused_IsRetriedOnlyWhenTryingAgainCanHelp(HttpStatusCode status, AttemptStatus expected)
    {
        AttemptOutcome outcome = OpenSearchErrors.ForRequest(status, """{"error":{"type":"some_exception","reason":"why"},"status":1}"""u8.ToArray());

        outcome.Status.ShouldBe(expected);
        outcome.ErrorCode.ShouldBe("OpenSearch.SomeException");
        outcome.ErrorMessage.ShouldBe($"status {(int)status}: why");
    }
}
