using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Delivery.Pipeline.Buffering;
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

/// <summary>Ready, second part: every pipeline's lease table (and plan table, under worker scope) answers DescribeTable and is ACTIVE.</summary>
internal sealed class LeaseTablesCheck(DeliveryOptions options, IAmazonDynamoDB dynamoDb) : IHealthCheck
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var tables = options.Pipelines.Select(pair => DeliveryOptionsRules.LeaseTableName(pair.Key, pair.Value))
            .Concat(options.Pipelines.Where(pair => pair.Value.Buffering.Scope == BufferingScope.Worker).Select(pair => DeliveryOptionsRules.PlanTableName(pair.Key, pair.Value)))
            .Distinct(StringComparer.Ordinal).ToList();
        foreach (string table in tables)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CallTimeout);
            try
            {
                DescribeTableResponse response = await dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = table }, timeout.Token).ConfigureAwait(false);
                if (response.Table.TableStatus != TableStatus.ACTIVE)
                {
                    problems.Add($"table {table} is {response.Table.TableStatus}");
                }
            }
            catch (Exception ex) when (ex is AmazonDynamoDBException or HttpRequestException or OperationCanceledException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException)
            {
                problems.Add($"table {table} is not reachable: {ex.Message}");
            }
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy($"tables reachable: {string.Join(", ", tables)}")
            : HealthCheckResult.Unhealthy(string.Join("; ", problems));
    }
}

/// <summary>
/// Ready, third part: no pipeline's destination or backup bucket is failing. Either counts as failing from its first
/// failed write after its last successful one (the FailingSeconds metrics measure the same), and is ready again after
/// the next success. Judged from real writes, so it needs no permission beyond writing. Liveness stays green meanwhile:
/// the records wait in the stream, and restarting the task would not bring the destination back.
/// </summary>
internal sealed class DestinationsCheck(DeliveryWorkerService worker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        foreach (PipelineRunner runner in worker.Runners)
        {
            if (runner.Telemetry is not { } telemetry)
            {
                continue;
            }

            if (telemetry.DeliveryFailingSince is { } since && telemetry.LastDeliveryFailure is { } failure)
            {
                problems.Add($"pipeline {runner.Name}: writes to {telemetry.DestinationType} have failed since {since:O}, the last at {failure.At:O} ({failure.ErrorCode}: {failure.Message})");
            }

            if (telemetry.BackupFailingSince is { } backupSince && telemetry.LastBackupFailure is { } backupFailure)
            {
                problems.Add($"pipeline {runner.Name}: writes to the backup bucket have failed since {backupSince:O}, the last at {backupFailure.At:O} ({backupFailure.ErrorCode}: {backupFailure.Message})");
            }
        }

        return Task.FromResult(problems.Count == 0 ? HealthCheckResult.Healthy("destinations accept writes") : HealthCheckResult.Unhealthy(string.Join("; ", problems)));
    }
}
