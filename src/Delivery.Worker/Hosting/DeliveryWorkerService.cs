using Amazon.DynamoDBv2;
using Amazon.S3;
using Delivery.Destinations.Backup;
using Delivery.Destinations.Checks;
using Delivery.Kinesis.Client;
using Delivery.Kinesis.Leases;
using Delivery.Kinesis.Plans;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Plans;
using Delivery.Telemetry;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Delivery.Worker.Hosting;

/// <summary>
/// Starts every configured pipeline, once every destination has passed its start-up check, and, on SIGTERM, stops them
/// within the grace period. A destination that cannot be used at start, or a pipeline that fails for good, stops the
/// whole worker with a non-zero exit code, so ECS replaces the task and the failure is seen.
/// </summary>
internal sealed class DeliveryWorkerService(
    DeliveryOptions options,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<DeliveryWorkerService> logger) : IHostedService, IAsyncDisposable
{
    private readonly List<PipelineRunner> _runners = [];

    // Always unique per process: two tasks given the same configured id would otherwise each take every lease as its own.
    public string WorkerId { get; } = $"{options.WorkerId ?? Environment.MachineName}-{Guid.NewGuid().ToString("N")[..12]}";

    public IReadOnlyList<LeaseCoordinator> Coordinators => [.. _runners.Select(runner => runner.Coordinator)];

    /// <summary>The pipelines started so far, for the health checks and the status page.</summary>
    internal IReadOnlyList<PipelineRunner> Runners => [.. _runners];

    /// <summary>True once every pipeline has started (its stream and lease table were found).</summary>
    public bool Started { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Log.WorkerStarting(logger, WorkerId, options.Pipelines.Count, string.Join(", ", options.Pipelines.Keys));
        foreach ((string name, PipelineOptions pipeline) in options.Pipelines)
        {
            using IDisposable? scope = Log.PipelineScope(logger, name);
            _runners.Add(await CreateRunnerAsync(name, pipeline, cancellationToken).ConfigureAwait(false));
        }

        // Before any lease is taken or anything read: a destination that cannot be used stops the start here.
        await CheckDestinationsAsync(cancellationToken).ConfigureAwait(false);
        foreach (PipelineRunner runner in _runners)
        {
            // Everything the pipeline's loops log carries its name: they start inside this scope and inherit it.
            PipelineOptions pipeline = options.Pipelines[runner.Name];
            using IDisposable? scope = Log.PipelineScope(logger, runner.Name);
            await runner.StartAsync(services.GetRequiredService<TimeProvider>(), cancellationToken).ConfigureAwait(false);
            Log.PipelineStarted(logger, runner.Name, pipeline.Kinesis.StreamName, DeliveryOptionsRules.LeaseTableName(runner.Name, pipeline), DestinationWiring.Describe(pipeline));
            _ = WatchAsync(runner);
        }

        Started = true;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Log.WorkerStopping(logger, WorkerId, options.ShutdownGracePeriod);
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(options.ShutdownGracePeriod);
        await Task.WhenAll(_runners.Select(runner => runner.StopAsync(grace.Token))).ConfigureAwait(false);
        Log.WorkerStopped(logger, WorkerId);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as a hosted service, so the container may dispose it twice.
        PipelineRunner[] runners = [.. _runners];
        _runners.Clear();
        foreach (PipelineRunner runner in runners)
        {
            await runner.DisposeAsync().ConfigureAwait(false);
        }
    }

    // A missing bucket or a refused key is a configuration error: the worker exits with code 1 and one line per failing
    // pipeline (the setting and the reason), and the orchestrator restarts the task once it is fixed. Retrying it for as
    // long as the worker runs would look alive while delivering nothing. A destination that fails later, once running,
    // is retried instead: the data is safe in the stream, and readiness, metrics and the log say it is down.
    private async Task CheckDestinationsAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, IReadOnlyList<IDestinationCheck>> checks = options.Pipelines.ToDictionary(
            pair => pair.Key, pair => DestinationWiring.CreateChecks(services, pair.Key, pair.Value), StringComparer.Ordinal);
        IReadOnlyList<DestinationCheckFailure> failures = await services.GetRequiredService<StartupCheckRunner>().RunAsync(checks, cancellationToken).ConfigureAwait(false);
        if (failures.Count > 0)
        {
            throw new DeliveryException(FailureKind.Permanent, "Delivery.DestinationCheckFailed", DestinationCheckFailure.Describe(failures));
        }
    }

    private async Task<PipelineRunner> CreateRunnerAsync(string name, PipelineOptions pipeline, CancellationToken cancellationToken)
    {
        TimeProvider time = services.GetRequiredService<TimeProvider>();
        PipelineTelemetry? telemetry = services.GetService<DeliveryMetrics>()?.ForPipeline(name);
        IBatchWriter processing = await DestinationWiring.CreateProcessingWriterAsync(services, options, name, pipeline, telemetry).ConfigureAwait(false);

        // Source records are backed up as read, before any processor changes them, so the backup wraps the processors.
        IBatchWriter writer = DestinationWiring.WithSourceRecordBackup(services, pipeline, processing);
        var settings = new PipelineSettings
        {
            Name = name,
            Buffering = pipeline.Buffering,
            MaxConcurrentDeliveries = pipeline.MaxConcurrentDeliveries,
            ConvertsFormat = pipeline.S3?.ConvertsFormat == true,
            PartitionsObjects = pipeline.DynamicPartitioning?.Enabled == true,
        };
        var backup = new S3BackupWriter(pipeline.EffectiveBackup(), services.GetRequiredService<IAmazonS3>(), time, services.GetRequiredService<ILogger<S3BackupWriter>>());
        PlanServices plans = await CreatePlanServicesAsync(name, pipeline, cancellationToken).ConfigureAwait(false);
        var delivery = new DeliveryPipeline(settings, writer, backup, services.GetRequiredService<MemoryBudget>(), time, services.GetRequiredService<ILogger<DeliveryPipeline>>(), telemetry, plans);
        var store = new DynamoDbLeaseStore(
            services.GetRequiredService<IAmazonDynamoDB>(),
            DeliveryOptionsRules.LeaseTableName(name, pipeline),
            pipeline.Kinesis.Leases.CreateTableIfMissing,
            time,
            services.GetRequiredService<ILogger<DynamoDbLeaseStore>>());
        var coordinator = new LeaseCoordinator(WorkerId, pipeline.Kinesis, services.GetRequiredService<IKinesisClient>(), store, delivery, time, services.GetRequiredService<ILogger<LeaseCoordinator>>(), telemetry);
        return new PipelineRunner(name, coordinator, delivery, processing as IAsyncDisposable, store, telemetry);
    }

    /// <summary>
    /// The plan ledger and range reader, for every pipeline: one that buffers per shard now may hold leases written
    /// under worker scope, whose plans it must resolve (decision 0014). The table is made ready only under worker scope;
    /// elsewhere a lease that names a plan when the table is missing stops the shard with an error naming the table.
    /// </summary>
    private async Task<PlanServices> CreatePlanServicesAsync(string name, PipelineOptions pipeline, CancellationToken cancellationToken)
    {
        TimeProvider time = services.GetRequiredService<TimeProvider>();
        var ledger = new DynamoDbPlanLedger(
            services.GetRequiredService<IAmazonDynamoDB>(),
            DeliveryOptionsRules.PlanTableName(name, pipeline),
            pipeline.Kinesis.Leases.CreateTableIfMissing,
            TimeSpan.FromDays(pipeline.Buffering.PlanRetentionDays),
            time,
            services.GetRequiredService<ILogger<DynamoDbPlanLedger>>());
        if (pipeline.Buffering.Scope == BufferingScope.Worker)
        {
            await CheckPlanRetentionAsync(name, pipeline, cancellationToken).ConfigureAwait(false);

            await ledger.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        }

        var reader = new KinesisShardRangeReader(services.GetRequiredService<IKinesisClient>(), pipeline.Kinesis.Reading, time, services.GetRequiredService<ILogger<KinesisShardRangeReader>>());
        return new PlanServices(ledger, reader);
    }

    private async Task CheckPlanRetentionAsync(string name, PipelineOptions pipeline, CancellationToken cancellationToken)
    {
        DescribeStreamSummaryResponse stream;
        try
        {
            stream = await services.GetRequiredService<IKinesisClient>().DescribeStreamSummaryAsync(
                new DescribeStreamSummaryRequest { StreamName = pipeline.Kinesis.StreamName }, cancellationToken).ConfigureAwait(false);
        }
        catch (Delivery.Kinesis.Client.ResourceNotFoundException)
        {
            // The lease coordinator reports a missing stream, with its name, when it starts.
            return;
        }

        if (DeliveryOptionsRules.PlanRetentionError(name, pipeline.Buffering.PlanRetentionDays, stream.StreamDescriptionSummary.RetentionPeriodHours, pipeline.Kinesis.StreamName) is { } error)
        {
            throw new DeliveryException(FailureKind.Permanent, "Delivery.PlanRetentionTooShort", error);
        }
    }

    private async Task WatchAsync(PipelineRunner runner)
    {
        try
        {
            await runner.Completion.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.PipelineFailed(logger, ex, runner.Name);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}
