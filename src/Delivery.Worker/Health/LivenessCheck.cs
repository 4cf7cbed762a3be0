using Delivery.Worker.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Delivery.Worker.Health;

/// <summary>
/// Live: the process answers, no pipeline has stopped, every pipeline's delivery loops run, and its lease rounds (take
/// and renew) keep completing. A round that has not completed for three periods (at least 30 s) means a loop is stuck
/// or the lease table cannot be used (a failed round does not count as completed); restarting the task is then the
/// remedy, and that is what a failed liveness check leads to.
/// </summary>
internal sealed class LivenessCheck(DeliveryWorkerService worker, IHostApplicationLifetime lifetime, TimeProvider timeProvider) : IHealthCheck
{
    private static readonly TimeSpan MinimumStall = TimeSpan.FromSeconds(30);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Draining: the loops wind down on purpose and the orchestrator is already stopping the task.
            return Task.FromResult(HealthCheckResult.Healthy("stopping: draining the pipelines"));
        }

        var problems = new List<string>();
        DateTimeOffset now = timeProvider.GetUtcNow();
        foreach (PipelineRunner runner in worker.Runners)
        {
            if (!runner.IsStarted || runner.StartedAt is not { } started)
            {
                // Still checking its stream and lease table; a start that fails stops the worker by itself.
                continue;
            }

            if (runner.Completion.IsCompleted)
            {
                problems.Add($"pipeline {runner.Name} stopped{(runner.Completion.Exception?.InnerException is { } error ? ": " + error.Message : "")}");
                continue;
            }

            if (!runner.Pipeline.IsRunning)
            {
                problems.Add($"pipeline {runner.Name}: its delivery loops stopped");
            }

            TimeSpan stall = runner.Coordinator.RoundInterval * 3 > MinimumStall ? runner.Coordinator.RoundInterval * 3 : MinimumStall;
            AddIfStalled(problems, runner.Name, "lease round", runner.Coordinator.LastTakeRoundAt ?? started, now, stall, runner.Coordinator.LastRoundError);
            AddIfStalled(problems, runner.Name, "lease renewal round", runner.Coordinator.LastRenewRoundAt ?? started, now, stall);
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy(worker.Started ? $"{worker.Runners.Count} pipelines running" : "starting")
            : HealthCheckResult.Unhealthy(string.Join("; ", problems)));
    }

    private static void AddIfStalled(List<string> problems, string pipeline, string what, DateTimeOffset last, DateTimeOffset now, TimeSpan stall, string? lastError = null)
    {
        if (now - last > stall)
        {
            problems.Add($"pipeline {pipeline}: no {what} completed for {(now - last).TotalSeconds:0} s{(lastError is null ? "" : $" (last error: {lastError})")}");
        }
    }
}
