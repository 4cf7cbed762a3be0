using System.Text.Json;
using Delivery.Kinesis.Leases;
using Delivery.Kinesis.Reading;
using Delivery.Pipeline;
using Delivery.Telemetry;
using Delivery.Worker.Configuration;
using Delivery.Worker.Hosting;

namespace Delivery.Worker.Health;

/// <summary>
/// The status page: per pipeline, DataFreshness and the destination's state; per shard, the lease owner and checkpoint
/// from the lease table (every shard, whoever holds it), and for the shards this worker holds, the reader's state, how
/// far behind the stream it is, what is buffered and in flight, the last delivery and the last error.
/// </summary>
internal sealed class StatusReport(DeliveryOptions options, DeliveryWorkerService worker, TimeProvider timeProvider)
{
    private static readonly TimeSpan LeaseTableTimeout = TimeSpan.FromSeconds(5);

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("workerId", worker.WorkerId);
        json.WriteString("time", timeProvider.GetUtcNow());
        json.WriteBoolean("started", worker.Started);
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
        json.WriteBoolean("running", runner.IsStarted && !runner.Completion.IsCompleted && runner.Pipeline.IsRunning);
        if (runner.Telemetry?.DataFreshness() is { } freshness)
        {
            json.WriteNumber("dataFreshnessSeconds", Math.Round(freshness.TotalSeconds, 3));
        }

        WriteTime(json, "lastDeliveryTime", runner.Telemetry?.LastDeliveredAt);
        WriteError(json, "lastDeliveryError", runner.Telemetry?.LastDeliveryFailure);
        WriteTime(json, "deliveryFailingSince", runner.Telemetry?.DeliveryFailingSince);
        WriteError(json, "lastBackupError", runner.Telemetry?.LastBackupFailure);
        WriteTime(json, "backupFailingSince", runner.Telemetry?.BackupFailingSince);
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
