using Delivery.Kinesis.Leases;
using Delivery.Pipeline;

namespace Delivery.Worker.Hosting;

/// <summary>
/// One configured pipeline at run time: its lease coordinator (the source) feeding its delivery pipeline, and the
/// writer's resources (processors, plugins) to release once nothing writes any more.
/// </summary>
internal sealed class PipelineRunner(string name, LeaseCoordinator coordinator, DeliveryPipeline pipeline, IAsyncDisposable? writer = null) : IAsyncDisposable
{
    public string Name { get; } = name;

    public LeaseCoordinator Coordinator { get; } = coordinator;

    /// <summary>Completes when the source stops; faults on a permanent error (stream gone, table unusable).</summary>
    public Task Completion => Coordinator.Completion;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        pipeline.Start();
        await Coordinator.StartAsync(cancellationToken).ConfigureAwait(false);
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
            await pipeline.StopAsync(gracePeriod).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Coordinator.DisposeAsync().ConfigureAwait(false);
        await pipeline.DisposeAsync().ConfigureAwait(false);
        if (writer is not null)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
