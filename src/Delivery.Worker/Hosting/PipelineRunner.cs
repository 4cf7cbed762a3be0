using Delivery.Kinesis.Leases;
using Delivery.Pipeline;
using Delivery.Telemetry;

namespace Delivery.Worker.Hosting;

/// <summary>
/// One configured pipeline at run time: its lease coordinator (the source) feeding its delivery pipeline, and the
/// writer's resources (processors, plugins) to release once nothing writes any more.
/// </summary>
internal sealed class PipelineRunner(string name, LeaseCoordinator coordinator, DeliveryPipeline pipeline, IAsyncDisposable? writer = null, ILeaseStore? leases = null, PipelineTelemetry? telemetry = null) : IAsyncDisposable
{
    public string Name { get; } = name;

    public LeaseCoordinator Coordinator { get; } = coordinator;

    public DeliveryPipeline Pipeline { get; } = pipeline;

    /// <summary>The lease table, read by the status page for every shard's owner and checkpoint.</summary>
    public ILeaseStore? Leases { get; } = leases;

    public PipelineTelemetry? Telemetry { get; } = telemetry;

    /// <summary>When the runner started (the liveness check's reference before the first lease round); null before.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>True once the source has started (stream and lease table found); <see cref="Completion"/> means something only then.</summary>
    public bool IsStarted { get; private set; }

    /// <summary>Completes when the source stops; faults on a permanent error (stream gone, table unusable).</summary>
    public Task Completion => Coordinator.Completion;

    public async Task StartAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        StartedAt = timeProvider.GetUtcNow();
        Pipeline.Start();
        await Coordinator.StartAsync(cancellationToken).ConfigureAwait(false);
        IsStarted = true;
    }

    /// <summary>Stop reading, deliver and checkpoint what was read, release the leases; all within the grace period.</summary>
    public async Task StopAsync(CancellationToken gracePeriod)
    {
        try
        {
            await Coordinator.StopAsync(gracePeriod).ConfigureAwait(false);
        }
        finally
        {
            await Pipeline.StopAsync(gracePeriod).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Coordinator.DisposeAsync().ConfigureAwait(false);
        await Pipeline.DisposeAsync().ConfigureAwait(false);
        if (writer is not null)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
