using Delivery.Worker.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

/// <summary>
/// A plan's ledger item must outlive every record of the stream it names: a next owner that finds a plan gone from the
/// ledger takes it for never committed and writes its range again (decision 0014).
/// </summary>
public sealed class PlanRetentionRuleTests
{
    [Theory]
    [InlineData(8, 24)]
    [InlineData(8, 168)]
    [InlineData(31, 720)]
    public void APlanRetentionLongerThanTheStreams_IsAccepted(int planDays, int streamHours) =>
        DeliveryOptionsRules.PlanRetentionError("clicks", planDays, streamHours, "events").ShouldBeNull();

    [Theory]
    [InlineData(1, 24)]
    [InlineData(7, 168)]
    [InlineData(8, 8760)]
    public void APlanRetentionNoLongerThanTheStreams_IsRefused_NamingTheKeyAndBothFigures(int planDays, int streamHours)
    {
        string? error = DeliveryOptionsRules.PlanRetentionError("clicks", planDays, streamHours, "events");

        error.ShouldNotBeNull();
        error.ShouldContain("Delivery:Pipelines:clicks:Buffering:PlanRetentionDays");
        error.ShouldContain($"{planDays} days");
        error.ShouldContain($"{streamHours} hours");
        error.ShouldContain("'events'");
    }
}
