using Delivery.Destinations.OpenSearch;

namespace Delivery.UnitTests.Destinations.OpenSearch;

public sealed class OpenSearchIndexNamesTests
{
    // Firehose's documented example: index "myindex", arrival 2016-02-25T13:00:00Z.
    private static readonly DateTimeOffset FirehoseExample = new(2016, 2, 25, 13, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(OpenSearchIndexRotation.NoRotation, "myindex")]
    [InlineData(OpenSearchIndexRotation.OneHour, "myindex-2016-02-25-13")]
    [InlineData(OpenSearchIndexRotation.OneDay, "myindex-2016-02-25")]
    [InlineData(OpenSearchIndexRotation.OneMonth, "myindex-2016-02")]
    public void EachRotation_AppendsFirehosesSuffix(OpenSearchIndexRotation rotation, string expected) =>
        OpenSearchIndexNames.For("myindex", rotation, FirehoseExample).ShouldBe(expected);

    [Theory]
    // Firehose's rule: weeks start on Sunday; week 1 is the first week holding a Saturday of the year (the week of January 1st).
    [InlineData("2016-02-25T13:00:00Z", "logs-2016-w09")] // Thursday; week 1 of 2016 is Sunday 2015-12-27 to Saturday 2016-01-02.
    [InlineData("2016-01-02T23:59:59Z", "logs-2016-w01")] // The Saturday that ends week 1.
    [InlineData("2016-01-03T00:00:00Z", "logs-2016-w02")] // The Sunday that starts week 2.
    [InlineData("2015-12-27T00:00:00Z", "logs-2016-w01")] // Its December days belong to the year the week ends in.
    [InlineData("2022-01-01T12:00:00Z", "logs-2022-w01")] // January 1st on a Saturday: a week of one day of the year.
    [InlineData("2021-12-26T12:00:00Z", "logs-2022-w01")]
    [InlineData("2021-12-25T12:00:00Z", "logs-2021-w52")]
    [InlineData("2016-12-31T12:00:00Z", "logs-2016-w53")] // A leap year ending on a Saturday has 53 weeks.
    [InlineData("2017-01-01T00:00:00Z", "logs-2017-w01")] // January 1st on a Sunday starts week 1.
    [InlineData("2020-08-12T08:00:00Z", "logs-2020-w33")] // Firehose's example week number, 2020-w33.
    public void OneWeek_NumbersWeeksTheWayFirehoseSays(string arrival, string expected) =>
        OpenSearchIndexNames.For("logs", OpenSearchIndexRotation.OneWeek, DateTimeOffset.Parse(arrival, System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(expected);

    [Fact]
    public void TheSuffix_IsTheUtcTime_WhateverTheOffsetOfTheArrivalTime()
    {
        var tokyo = new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.FromHours(9));

        OpenSearchIndexNames.For("logs", OpenSearchIndexRotation.OneHour, tokyo).ShouldBe("logs-2026-02-28-23");
        OpenSearchIndexNames.For("logs", OpenSearchIndexRotation.OneMonth, tokyo).ShouldBe("logs-2026-02");
    }

    [Fact]
    public void EveryArrivalInOnePeriod_HasThatPeriodsStart_AndItsIndex()
    {
        foreach (OpenSearchIndexRotation rotation in Enum.GetValues<OpenSearchIndexRotation>())
        {
            var arrival = new DateTimeOffset(2024, 2, 29, 0, 0, 0, TimeSpan.Zero);
            for (int minute = 0; minute < 60 * 24 * 40; minute += 37)
            {
                DateTimeOffset time = arrival.AddMinutes(minute);
                DateTime start = OpenSearchIndexNames.PeriodStart(rotation, time);
                start.ShouldBeLessThanOrEqualTo(time.UtcDateTime);
                OpenSearchIndexNames.For("x", rotation, new DateTimeOffset(start, TimeSpan.Zero)).ShouldBe(OpenSearchIndexNames.For("x", rotation, time), $"{rotation} at {time:O}");
            }
        }
    }

    [Theory]
    [InlineData("logs")]
    [InlineData("app.logs-2_x")]
    [InlineData("données")]
    public void ValidNames_HaveNoProblem(string name) => OpenSearchIndexNames.Problem(name).ShouldBeNull();

    [Theory]
    [InlineData("Logs", "lowercase")]
    [InlineData("app logs", "space")]
    [InlineData("a/b", "'/'")]
    [InlineData("a*", "'*'")]
    [InlineData("a,b", "','")]
    [InlineData("a#b", "'#'")]
    [InlineData("a:b", "':'")]
    [InlineData("_logs", "start with '_'")]
    [InlineData("-logs", "start with '-'")]
    [InlineData("+logs", "start with '+'")]
    [InlineData("..", "'..'")]
    public void InvalidNames_SayWhy(string name, string problem) => OpenSearchIndexNames.Problem(name)!.ShouldContain(problem);

    [Fact]
    public void ANameWithoutRoomForTheSuffix_IsRefused() =>
        OpenSearchIndexNames.Problem(new string('é', 121))!.ShouldContain("255 UTF-8 bytes");
}
