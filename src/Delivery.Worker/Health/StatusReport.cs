using System.Buffers;
using System.Text.Json;
using Delivery.Kinesis.Leases;
using Delivery.Kinesis.Reading;
using Delivery.Pipeline;
using Delivery.Telemetry;
using Delivery.Telemetry.History;
using Delivery.Worker.Configuration;
using Delivery.Worker.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Delivery.Worker.Health;

/// <summary>
/// The status document (<c>/status</c>, which the dashboard and the <c>status</c> verb read): the worker's readiness as
/// the orchestrator sees it; per pipeline, DataFreshness, the destination's state, this worker's counts and the last
/// hour's history; per shard, the lease owner and checkpoint from the lease table (every shard, whoever holds it), and
/// for the shards this worker holds, the reader's state, how far behind the stream it is, what is buffered and in
/// flight, the last delivery and the last error. Nothing in it is a secret: the destination is described as the
/// start-up log describes it (an endpoint URL without its query or user info), and no setting is copied into it.
/// </summary>
internal sealed class StatusReport(DeliveryOptions options, DeliveryWorkerService worker, HealthCheckService checks, TelemetryHistory history, TimeProvider timeProvider)
{
    private static readonly TimeSpan LeaseTableTimeout = TimeSpan.FromSeconds(5);

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        HealthReport readiness = await checks.CheckHealthAsync(check => check.Tags.Contains(HealthServer.ReadyTag), cancellationToken).ConfigureAwait(false);
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("workerId", worker.WorkerId);
        json.WriteString("time", timeProvider.GetUtcNow());
        json.WriteBoolean("started", worker.Started);
        json.WriteBoolean("ready", readiness.Status == HealthStatus.Healthy);
        json.WriteStartArray("notReadyBecause");
        foreach (HealthReportEntry entry in readiness.Entries.Values.Where(entry => entry.Status != HealthStatus.Healthy))
        {
            json.WriteStringValue(entry.Description ?? entry.Exception?.Message ?? entry.Status.ToString());
        }

        json.WriteEndArray();
        json.WriteStartArray("pipelines");
        foreach (PipelineRunner runner in worker.Runners)
        {
            await WritePipelineAsync(json, runner, cancellationToken).ConfigureAwait(false);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            json.WriteString(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteError(Utf8JsonWriter json, string name, ActivityError? error)
    {
        if (error is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteString("time", error.At);
        json.WriteString("errorCode", error.ErrorCode);
        json.WriteString("message", error.Message);
        json.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter json, PipelineCounts counts)
    {
        json.WriteStartObject("counts");
        json.WriteNumber("incomingRecords", counts.IncomingRecords);
        json.WriteNumber("incomingBytes", counts.IncomingBytes);
        json.WriteNumber("deliveredRecords", counts.DeliveredRecords);
        json.WriteNumber("deliveredBytes", counts.DeliveredBytes);
        json.WriteNumber("backedUpRecords", counts.BackedUpRecords);
        json.WriteNumber("failedAttempts", counts.FailedAttempts);
        json.WriteNumber("failedBackupAttempts", counts.FailedBackupAttempts);
        json.WriteEndObject();
    }

    // Columns rather than one object per sample, each on one line: an hour of samples stays small and readable.
    private void WriteHistory(Utf8JsonWriter json, IReadOnlyList<PipelineSample> samples)
    {
        json.WriteStartObject("history");
        json.WriteNumber("sampleSeconds", history.Interval.TotalSeconds);
        json.WriteNumber("spanSeconds", history.Span.TotalSeconds);
        WriteColumn(json, "time", samples, static sample => sample.At.ToUnixTimeMilliseconds());
        WriteColumn(json, "dataFreshnessSeconds", samples, static sample => sample.DataFreshnessSeconds is { } seconds ? Math.Round(seconds, 3) : null);
        WriteColumn(json, "incomingRecordsPerSecond", samples, static sample => Math.Round(sample.IncomingRecordsPerSecond, 3));
        WriteColumn(json, "deliveredRecordsPerSecond", samples, static sample => Math.Round(sample.DeliveredRecordsPerSecond, 3));
        json.WriteEndObject();
    }

    private static void WriteColumn(Utf8JsonWriter json, string name, IReadOnlyList<PipelineSample> samples, Func<PipelineSample, double?> value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var column = new Utf8JsonWriter(buffer))
        {
            column.WriteStartArray();
            foreach (PipelineSample sample in samples)
            {
                if (value(sample) is { } number)
                {
                    column.WriteNumberValue(number);
                }
                else
                {
                    column.WriteNullValue();
                }
            }

            column.WriteEndArray();
        }

        json.WritePropertyName(name);
        json.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
    }

    private async Task WritePipelineAsync(Utf8JsonWriter json, PipelineRunner runner, CancellationToken cancellationToken)
    {
        PipelineOptions pipeline = options.Pipelines[runner.Name];
        (IReadOnlyList<Lease> leases, string? leaseError) = await ReadLeasesAsync(runner, cancellationToken).ConfigureAwait(false);
        Dictionary<string, ShardConsumerState> held = new(runner.Coordinator.HeldShards, StringComparer.Ordinal);
        Dictionary<string, ShardDeliveryStatus> sessions = runner.Pipeline.ShardStatuses().Where(status => !status.Stopped)
            .GroupBy(status => status.ShardId, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.Last(), StringComparer.Ordinal);
        IReadOnlyDictionary<string, ShardActivity> activity = runner.Telemetry?.Shards ?? new Dictionary<string, ShardActivity>();

        json.WriteStartObject();
        json.WriteString("name", runner.Name);
        json.WriteString("stream", pipeline.Kinesis.StreamName);
        json.WriteString("leaseTable", DeliveryOptionsRules.LeaseTableName(runner.Name, pipeline));
        json.WriteString("destination", runner.Telemetry?.DestinationType ?? "s3");
        json.WriteString("target", DestinationWiring.Describe(pipeline));
        json.WriteBoolean("running", runner.IsStarted && !runner.Completion.IsCompleted && runner.Pipeline.IsRunning);
        if (runner.Telemetry?.DataFreshness() is { } freshness)
        {
            json.WriteNumber("dataFreshnessSeconds", Math.Round(freshness.TotalSeconds, 3));
        }

        WriteTime(json, "lastDeliveryTime", runner.Telemetry?.LastDeliveredAt);
        WriteError(json, "lastDeliveryError", runner.Telemetry?.LastDeliveryFailure);
        WriteTime(json, "deliveryFailingSince", runner.Telemetry?.DeliveryFailingSince);
        json.WriteNumber("deliveryFailingSeconds", Math.Round(runner.Telemetry?.DeliveryFailingSeconds ?? 0, 3));
        WriteError(json, "lastBackupError", runner.Telemetry?.LastBackupFailure);
        WriteTime(json, "backupFailingSince", runner.Telemetry?.BackupFailingSince);
        json.WriteNumber("backupFailingSeconds", Math.Round(runner.Telemetry?.BackupFailingSeconds ?? 0, 3));
        WriteCounts(json, runner.Telemetry?.Counts ?? default);
        WriteHistory(json, history.For(runner.Name));
        if (leaseError is not null)
        {
            json.WriteString("leaseTableError", leaseError);
        }

        json.WriteStartArray("shards");
        IEnumerable<string> shardIds = leases.Select(lease => lease.LeaseKey).Concat(held.Keys).Concat(sessions.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        Dictionary<string, Lease> leaseByShard = leases.ToDictionary(lease => lease.LeaseKey, StringComparer.Ordinal);
        foreach (string shardId in shardIds)
        {
            json.WriteStartObject();
            json.WriteString("shardId", shardId);
            if (leaseByShard.TryGetValue(shardId, out Lease? lease))
            {
                json.WriteString("leaseOwner", lease.Owner);
                json.WriteString("checkpoint", lease.Checkpoint.ToString());
            }

            json.WriteBoolean("heldHere", held.ContainsKey(shardId));
            if (held.TryGetValue(shardId, out ShardConsumerState state))
            {
                json.WriteString("state", state.ToString());
            }

            if (activity.TryGetValue(shardId, out ShardActivity? shard))
            {
                if (shard.IsReading && shard.MillisBehindLatest is { } behind)
                {
                    json.WriteNumber("millisBehindLatest", behind);
                }

                WriteTime(json, "lastDeliveryTime", shard.LastDeliveryAt);
                WriteError(json, "lastError", shard.LastError);
            }

            if (sessions.TryGetValue(shardId, out ShardDeliveryStatus? session))
            {
                json.WriteString("deliveredThrough", session.Checkpoint?.ToString());
                json.WriteNumber("bufferedRecords", session.BufferedRecords);
                json.WriteNumber("bufferedBytes", session.BufferedBytes);
                json.WriteNumber("inFlightBatches", session.InFlightBatches);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static async Task<(IReadOnlyList<Lease> Leases, string? Error)> ReadLeasesAsync(PipelineRunner runner, CancellationToken cancellationToken)
    {
        if (runner.Leases is null)
        {
            return ([], null);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(LeaseTableTimeout);
        try
        {
            return (await runner.Leases.ListLeasesAsync(timeout.Token).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The page still shows what this worker knows; the table's own view is missing and says why.
            return ([], ex.Message);
        }
    }
}
