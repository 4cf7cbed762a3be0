using Delivery.IntegrationTests.EndToEnd;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Worker;

/// <summary>
/// Worker scope refuses to start when plans would leave the plan table before their records leave the stream
/// (decision 0014): a next owner would take an expired plan for one never committed and write its range again.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class PlanRetentionStartTests(LocalAwsStack stack)
{
    [Fact]
    public async Task AWorkerScopePipeline_WhosePlansExpireBeforeTheStreamsRecords_ExitsNamingTheSettingAndBothFigures()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 1);
        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings[$"Delivery:Pipelines:{DeliveryScenario.Pipeline}:Buffering:Scope"] = "Worker";
        settings[$"Delivery:Pipelines:{DeliveryScenario.Pipeline}:Buffering:PlanRetentionDays"] = "1";

        await using WorkerProcess worker = WorkerProcess.Start(stack, settings);
        int exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exitCode.ShouldBe(1, worker.Output);
        worker.Output.ShouldContain($"Delivery:Pipelines:{DeliveryScenario.Pipeline}:Buffering:PlanRetentionDays is 1 days, but stream '{scenario.StreamName}' keeps records for 24 hours");
    }
}
