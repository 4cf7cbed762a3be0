using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Delivery.Worker.Configuration;
using Delivery.Worker.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Delivery.Worker.Health;

/// <summary>Ready, first part: the configuration was valid (the worker would not run otherwise) and every pipeline has started.</summary>
internal sealed class PipelinesStartedCheck(DeliveryOptions options, DeliveryWorkerService worker, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping")
            : worker.Started ? HealthCheckResult.Healthy($"configuration valid; {options.Pipelines.Count} pipelines started: {string.Join(", ", options.Pipelines.Keys)}")
            : HealthCheckResult.Unhealthy($"configuration valid; starting {options.Pipelines.Count} pipelines (checking destinations, streams and lease tables)"));
}

/// <summary>Ready, second part: every pipeline's lease table answers DescribeTable and is ACTIVE.</summary>
internal sealed class LeaseTablesCheck(DeliveryOptions options, IAmazonDynamoDB dynamoDb) : IHealthCheck
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var tables = options.Pipelines.Select(pair => DeliveryOptionsRules.LeaseTableName(pair.Key, pair.Value)).Distinct(StringComparer.Ordinal).ToList();
        foreach (string table in tables)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CallTimeout);
            try
            {
                DescribeTableResponse response = await dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = table }, timeout.Token).ConfigureAwait(false);
                if (response.Table.TableStatus != TableStatus.ACTIVE)
                {
                    problems.Add($"lease table {table} is {response.Table.TableStatus}");
                }
            }
            catch (Exception ex) when (ex is AmazonDynamoDBException or HttpRequestException or OperationCanceledException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException)
            {
                problems.Add($"lease table {table} is not reachable: {ex.Message}");
            }
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy($"lease tables reachable: {string.Join(", ", tables)}")
            : HealthCheckResult.Unhealthy(string.Join("; ", problems));
    }
}

/// <summary>
/// Ready, third part: no pipeline's destination is failing. A destination counts as unreachable while its last write
/// attempt failed and nothing was delivered since; it is ready again after the next delivery. Judged from real writes,
/// so it needs no permission beyond writing.
/// </summary>
internal sealed class DestinationsCheck(DeliveryWorkerService worker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        foreach (PipelineRunner runner in worker.Runners)
        {
            if (runner.Telemetry?.LastDeliveryFailure is { } failure && (runner.Telemetry.LastDeliveredAt is not { } delivered || delivered < failure.At))
            {
                problems.Add($"pipeline {runner.Name}: the last write to {runner.Telemetry.DestinationType} failed at {failure.At:O} ({failure.ErrorCode}: {failure.Message})");
            }
        }

        return Task.FromResult(problems.Count == 0 ? HealthCheckResult.Healthy("destinations accept writes") : HealthCheckResult.Unhealthy(string.Join("; ", problems)));
    }
}
