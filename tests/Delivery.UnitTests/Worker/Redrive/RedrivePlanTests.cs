using Delivery.Destinations.Backup;
using Delivery.Worker.Redrive;

namespace Delivery.UnitTests.Worker.Redrive;

public sealed class RedrivePlanTests
{
    [Theory]
    [InlineData(BackupOptions.DefaultErrorOutputPrefix, null, "")]
    [InlineData(BackupOptions.DefaultErrorOutputPrefix, "http-endpoint-failed/2026/03/", "http-endpoint-failed/2026/03/")]
    [InlineData("errors/!{firehose:error-output-type}/", null, "errors/")]
    [InlineData("errors/!{firehose:error-output-type}/", "errors/processing-failed/", "errors/processing-failed/")]
    [InlineData("errors/!{firehose:error-output-type}/", "err", "errors/")]
    [InlineData("errors/!{firehose:error-output-type}/", "delivery-redrive/failed/errors/", "delivery-redrive/failed/errors/")]
    [InlineData("errors/!{firehose:error-output-type}/", "delivery-redrive/", "delivery-redrive/failed/")]
    [InlineData("failed/", null, "failed/")]
    public void ListPrefix_IsTheNarrowerOfFromAndTheErrorOutputPrefixsFixedPart(string errorOutputPrefix, string? from, string expected) =>
        RedrivePlan.ListPrefix(errorOutputPrefix, from).ShouldBe(expected);

    [Theory]
    [InlineData("errors/", "logs/", "outside the pipeline's failed records: they are under 'errors/'")]
    [InlineData("", "delivery-redrive/done/", "names redrive's markers")]
    public void ListPrefix_RefusesAFromWhereNoFailedRecordCanBe(string errorOutputPrefix, string from, string expected) =>
        Should.Throw<RedriveInputException>(() => RedrivePlan.ListPrefix(errorOutputPrefix, from)).Message.ShouldContain(expected);

    [Fact]
    public void Create_SkipsMarkedObjects_AndNeverReadsRedrivesOwnObjects()
    {
        string[] keys =
        [
            "processing-failed/2026/03/04/05/b.gz",
            "http-endpoint-failed/2026/03/04/05/a.gz",
            RedriveIds.MarkerKey("http-endpoint-failed/2026/03/04/05/a.gz"),
            RedriveIds.FailedAgainRoot + "http-endpoint-failed/2026/03/05/01/c.gz",
            "folder/",
        ];

        IReadOnlyList<PlannedObject> plan = RedrivePlan.Create("", keys, [RedriveIds.MarkerKey("http-endpoint-failed/2026/03/04/05/a.gz")]);

        plan.ShouldBe(
        [
            new PlannedObject("http-endpoint-failed/2026/03/04/05/a.gz", AlreadyRedriven: true),
            new PlannedObject("processing-failed/2026/03/04/05/b.gz", AlreadyRedriven: false),
        ]);
    }

    [Fact]
    public void Create_ReadsFailedAgainObjects_WhenFromAsksForThem()
    {
        string failedAgain = RedriveIds.FailedAgainRoot + "http-endpoint-failed/2026/03/05/01/c.gz";

        RedrivePlan.Create(RedriveIds.FailedAgainRoot, [failedAgain], []).ShouldBe([new PlannedObject(failedAgain, AlreadyRedriven: false)]);
    }
}
