using System.Text;
using Delivery.Destinations.S3;

namespace Delivery.UnitTests.Destinations.S3;

/// <summary>
/// CustomTimeZone: the default time path, <c>!{timestamp:}</c> expressions and the time in the object name are written in
/// the zone, from the batch's oldest arrival (never the clock), so a batch written again gets the same key even across a
/// daylight saving change. Europe/Berlin moves to CEST at 01:00 UTC on 31 March 2024 and back at 01:00 UTC on 27 October 2024.
/// </summary>
public sealed class S3KeyTimeZoneTests
{
    private static readonly TimeZoneInfo Berlin = Zone("Europe/Berlin");

    [Fact]
    public void TheTimePathAndTheName_AreWrittenInTheZone_FromTheOldestArrival()
    {
        DeliveryBatch batch = TestBatches.Create(); // oldest arrival 2026-03-04 03:06:07 UTC, 04:06:07 in Berlin (CET)

        string key = new S3ObjectKeyBuilder("logs/", ".gz", Berlin).Build(batch);

        key.ShouldBe($"logs/2026/03/04/04/clicks-1-2026-03-04-04-06-07-{batch.Id}.gz");
    }

    [Fact]
    public void TimestampExpressions_AreWrittenInTheZone_AcrossMidnight()
    {
        // 23:30 UTC on 31 December is already the new year in Tokyo (+09:00).
        DeliveryBatch batch = BatchArrivingAt(new DateTimeOffset(2025, 12, 31, 23, 30, 0, TimeSpan.Zero));

        string key = new S3ObjectKeyBuilder("dt=!{timestamp:yyyy-MM-dd}/h=!{timestamp:HH}/", "", Zone("Asia/Tokyo")).Build(batch);

        key.ShouldBe($"dt=2026-01-01/h=08/clicks-1-2026-01-01-08-30-00-{batch.Id}");
    }

    [Theory]
    [InlineData("2024-03-31T00:59:59Z", "2024/03/31/01/", "2024-03-31-01-59-59")] // last second of CET
    [InlineData("2024-03-31T01:00:00Z", "2024/03/31/03/", "2024-03-31-03-00-00")] // 02:00 local never happens
    [InlineData("2024-10-27T00:30:00Z", "2024/10/27/02/", "2024-10-27-02-30-00")] // first 02:30 (CEST)
    [InlineData("2024-10-27T01:30:00Z", "2024/10/27/02/", "2024-10-27-02-30-00")] // second 02:30 (CET)
    [InlineData("2024-10-27T02:00:00Z", "2024/10/27/03/", "2024-10-27-03-00-00")]
    public void DaylightSavingEdges_FollowTheWallClock(string oldestArrival, string timePath, string nameTime)
    {
        DeliveryBatch batch = BatchArrivingAt(DateTimeOffset.Parse(oldestArrival, System.Globalization.CultureInfo.InvariantCulture));

        string key = new S3ObjectKeyBuilder("", ".gz", Berlin).Build(batch);

        key.ShouldBe($"{timePath}clicks-1-{nameTime}-{batch.Id}.gz");
    }

    [Fact]
    public void TheRepeatedHourOfAutumn_StillGivesEachBatchItsOwnKey_AndEachTheSameKeyEveryTime()
    {
        DeliveryBatch summer = BatchArrivingAt(new DateTimeOffset(2024, 10, 27, 0, 30, 0, TimeSpan.Zero), firstSequence: "100");
        DeliveryBatch winter = BatchArrivingAt(new DateTimeOffset(2024, 10, 27, 1, 30, 0, TimeSpan.Zero), firstSequence: "200");
        var keys = new S3ObjectKeyBuilder("!{timestamp:yyyy/MM/dd/HH}/", ".gz", Berlin);

        keys.Build(summer).ShouldNotBe(keys.Build(winter), "the same wall-clock time, but not the same batch");
        keys.Build(summer).ShouldBe(new S3ObjectKeyBuilder("!{timestamp:yyyy/MM/dd/HH}/", ".gz", Berlin).Build(summer));
        keys.Build(summer)[..14].ShouldBe(keys.Build(winter)[..14], "both land in the one 02 hour of that day, as Firehose's would");
    }

    [Fact]
    public void WithoutAZone_KeysStayInUtc()
    {
        DeliveryBatch batch = TestBatches.Create();

        new S3ObjectKeyBuilder("", ".gz", TimeZoneInfo.Utc).Build(batch).ShouldBe(new S3ObjectKeyBuilder("", ".gz").Build(batch));
        new S3ObjectKeyBuilder("", ".gz").Build(batch).ShouldStartWith("2026/03/04/03/");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("UTC")]
    public void Utc_IsTheDefault_AsInFirehose(string? name)
    {
        S3KeySettings.TryResolveTimeZone(name, out TimeZoneInfo zone, out string? problem).ShouldBeTrue();
        zone.ShouldBe(TimeZoneInfo.Utc);
        problem.ShouldBeNull();
    }

    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("Asia/Tokyo")]
    [InlineData("America/Sao_Paulo")]
    public void IanaNames_Resolve(string name)
    {
        S3KeySettings.TryResolveTimeZone(name, out TimeZoneInfo zone, out string? problem).ShouldBeTrue(problem);
        zone.Id.ShouldBe(name);
    }

    [Theory]
    [InlineData("Europe/Atlantis", "not an IANA time zone name")]
    [InlineData("W. Europe Standard Time", "not an IANA time zone name")]
    [InlineData("America/Argentina/ComodRivadavia/And/Beyond/Fifty/One", "longer than Firehose's 50 characters")]
    public void OtherNames_AreRefused_SayingWhy(string name, string reason)
    {
        S3KeySettings.TryResolveTimeZone(name, out _, out string? problem).ShouldBeFalse();
        problem.ShouldNotBeNull().ShouldContain(reason);
        problem.ShouldContain(name);
    }

    private static TimeZoneInfo Zone(string name) =>
        S3KeySettings.TryResolveTimeZone(name, out TimeZoneInfo zone, out string? problem) ? zone : throw new InvalidOperationException(problem);

    private static DeliveryBatch BatchArrivingAt(DateTimeOffset arrival, string firstSequence = "100")
    {
        var source = new BatchSource("orders", "shardId-000000000001", new ShardPosition(firstSequence), new ShardPosition(firstSequence, 1));
        SourceRecord[] records = [new(new ShardPosition(firstSequence), "k", arrival, Encoding.UTF8.GetBytes("{}"))];
        return new DeliveryBatch("clicks", source, records);
    }
}
