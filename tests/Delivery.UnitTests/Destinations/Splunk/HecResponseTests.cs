using System.Text;
using Delivery.Destinations.Retrying;
using Delivery.Destinations.Splunk;

namespace Delivery.UnitTests.Destinations.Splunk;

public sealed class HecResponseTests
{
    [Fact]
    public void AnAcceptedRequest_CarriesItsAckId()
    {
        HecAnswer answer = HecResponse.Parse(200, """{"text":"Success","code":0,"ackId":7}"""u8);

        answer.ShouldBe(new HecAnswer(200, 0, "Success", 7, null));
        answer.Accepted.ShouldBeTrue();
    }

    [Fact]
    public void ARefusedBatch_NamesTheFirstEventHecCouldNotRead()
    {
        HecAnswer answer = HecResponse.Parse(400, """{"text":"Invalid data format","code":6,"invalid-event-number":3}"""u8);

        answer.ShouldBe(new HecAnswer(400, 6, "Invalid data format", null, 3));
        answer.Accepted.ShouldBeFalse();
        answer.Describe().ShouldBe("status 400: Invalid data format (HEC code 6)");
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>Bad gateway</html>")]
    [InlineData("[1,2]")]
    public void ABodyThatIsNotHecsJson_LeavesTheHecFieldsEmpty(string body)
    {
        HecAnswer answer = HecResponse.Parse(200, Encoding.UTF8.GetBytes(body));

        answer.ShouldBe(new HecAnswer(200, null, null, null, null));
        answer.Accepted.ShouldBeFalse("a 200 that is not HEC's answer proves nothing");
    }

    [Theory]
    [InlineData("""{"acks":{"7":true}}""", true)]
    [InlineData("""{"acks":{"7":false,"8":true}}""", false)]
    [InlineData("""{"acks":{"8":true}}""", null)]
    [InlineData("""{"text":"ACK is disabled","code":14}""", null)]
    [InlineData("not json", null)]
    public void AnAckAnswer_SaysWhetherTheAckIdIsIndexed(string body, bool? expected) =>
        HecResponse.AckOf(Encoding.UTF8.GetBytes(body), 7).ShouldBe(expected);

    [Theory]
    [InlineData(403, 1, "Splunk.DisabledToken", AttemptStatus.Permanent)]
    [InlineData(401, 2, "Splunk.InvalidToken", AttemptStatus.Permanent)]
    [InlineData(401, 3, "Splunk.InvalidToken", AttemptStatus.Permanent)]
    [InlineData(403, 4, "Splunk.InvalidToken", AttemptStatus.Permanent)]
    [InlineData(400, 5, "Splunk.InvalidDataFormat", AttemptStatus.Permanent)]
    [InlineData(400, 6, "Splunk.InvalidDataFormat", AttemptStatus.Permanent)]
    [InlineData(400, 7, "Splunk.InvalidIndex", AttemptStatus.Permanent)]
    [InlineData(500, 8, "Splunk.ServerError", AttemptStatus.Retryable)]
    [InlineData(503, 9, "Splunk.ServerBusy", AttemptStatus.Retryable)]
    [InlineData(400, 10, "Splunk.InvalidChannel", AttemptStatus.Retryable)]
    [InlineData(400, 11, "Splunk.InvalidChannel", AttemptStatus.Retryable)]
    [InlineData(400, 12, "Splunk.InvalidDataFormat", AttemptStatus.Permanent)]
    [InlineData(400, 13, "Splunk.InvalidDataFormat", AttemptStatus.Permanent)]
    [InlineData(400, 14, "Splunk.DisabledAck", AttemptStatus.Permanent)]
    [InlineData(400, 15, "Splunk.InvalidDataFormat", AttemptStatus.Permanent)]
    [InlineData(503, 18, "Splunk.ServerBusy", AttemptStatus.Retryable)]
    public void HecStatusCodes_MapToFirehoseErrorCodes_RetryableOrNot(int status, int code, string errorCode, AttemptStatus kind)
    {
        AttemptOutcome outcome = HecResponse.Classify(new HecAnswer(status, code, "text", null, null));

        (outcome.ErrorCode, outcome.Status).ShouldBe((errorCode, kind));
        outcome.ErrorMessage.ShouldStartWith($"HEC answered status {status}: text (HEC code {code})");
    }

    [Theory]
    [InlineData(401, "Splunk.InvalidToken", AttemptStatus.Permanent)]
    [InlineData(413, "Splunk.RequestTooLarge", AttemptStatus.Permanent)]
    [InlineData(404, "Splunk.InvalidEndpoint", AttemptStatus.Retryable)]
    [InlineData(429, "Splunk.ServerBusy", AttemptStatus.Retryable)]
    [InlineData(502, "Splunk.ServerError", AttemptStatus.Retryable)]
    [InlineData(405, "Splunk.RequestRefused", AttemptStatus.Permanent)]
    public void AnswersWithoutAnHecCode_AreJudgedByTheirStatus(int status, string errorCode, AttemptStatus kind)
    {
        AttemptOutcome outcome = HecResponse.Classify(new HecAnswer(status, null, null, null, null));

        (outcome.ErrorCode, outcome.Status).ShouldBe((errorCode, kind));
    }
}
