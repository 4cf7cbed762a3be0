using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// Writes a worker's <c>/status</c> document as the dashboard shows it, for a terminal: a header for the worker, then per
/// pipeline a header line (destination state, target, stream), a line of freshness, rates and counts, the current error
/// if any, and one aligned line per shard. Ages are measured against the document's own time, so the terminal's clock
/// does not matter. Pure: the verb fetches, this formats.
/// </summary>
internal static class StatusFormatter
{
    private static readonly string[] Columns = ["SHARD", "OWNER", "STATE", "BEHIND", "BUFFERED", "IN FLIGHT", "CHECKPOINT", "LAST DELIVERY", "LAST ERROR"];

    // Right-aligned: the numbers.
    private static readonly bool[] RightAligned = [false, false, false, true, true, true, false, false, false];

    public static void Write(JsonElement status, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        DateTimeOffset now = Time(status, "time") ?? DateTimeOffset.MinValue;
        string workerId = Text(status, "workerId") ?? "?";
        bool ready = status.TryGetProperty("ready", out JsonElement readyValue) && readyValue.ValueKind == JsonValueKind.True;
        bool started = status.TryGetProperty("started", out JsonElement startedValue) && startedValue.ValueKind == JsonValueKind.True;
        output.WriteLine($"Worker {workerId} · {(ready ? "ready" : started ? "NOT READY" : "starting")} · {now.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}");
        if (!ready && status.TryGetProperty("notReadyBecause", out JsonElement reasons) && reasons.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement reason in reasons.EnumerateArray())
            {
                output.WriteLine($"  not ready: {reason.GetString()}");
            }
        }

        JsonElement[] pipelines = status.TryGetProperty("pipelines", out JsonElement list) && list.ValueKind == JsonValueKind.Array ? [.. list.EnumerateArray()] : [];
        if (pipelines.Length == 0)
        {
            output.WriteLine("No pipeline has started yet.");
        }

        foreach (JsonElement pipeline in pipelines)
        {
            output.WriteLine();
            WritePipeline(pipeline, workerId, now, output);
        }
    }

    /// <summary>"3 s", "12 min", "1.5 h": a duration as a person reads it.</summary>
    public static string Duration(double seconds) => seconds switch
    {
        < 10 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s"),
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0} min"),
        < 172800 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400:0.#} d"),
    };

    /// <summary>Sequence numbers share their start within a shard; their last ten digits tell checkpoints apart.</summary>
    public static string Checkpoint(string? value) =>
        value is null ? "-" : value.Length > 12 && value.All(char.IsAsciiDigit) ? "…" + value[^10..] : value;

    public static string Bytes(long bytes)
    {
        if (bytes < 1024)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
        }

        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        double value = bytes / 1024.0;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    private static void WritePipeline(JsonElement pipeline, string workerId, DateTimeOffset now, TextWriter output)
    {
        output.WriteLine($"{Text(pipeline, "name")}  {DestinationState(pipeline, now)} · {Text(pipeline, "destination")} {Text(pipeline, "target")} · stream {Text(pipeline, "stream")} · lease table {Text(pipeline, "leaseTable")}");

        var facts = new List<string>
        {
            "freshness " + (Number(pipeline, "dataFreshnessSeconds") is { } freshness ? Duration(freshness) : "-"),
        };
        if (pipeline.TryGetProperty("history", out JsonElement history))
        {
            facts.Add("in " + Rate(LastOf(history, "incomingRecordsPerSecond")));
            facts.Add("out " + Rate(LastOf(history, "deliveredRecordsPerSecond")));
        }

        if (pipeline.TryGetProperty("counts", out JsonElement counts))
        {
            facts.Add("incoming " + Count(counts, "incomingRecords"));
            facts.Add("delivered " + Count(counts, "deliveredRecords"));
            facts.Add("backed up " + Count(counts, "backedUpRecords"));
            facts.Add("failed attempts " + ((long)(Number(counts, "failedAttempts") ?? 0) + (long)(Number(counts, "failedBackupAttempts") ?? 0)).ToString("N0", CultureInfo.InvariantCulture));
        }

        output.WriteLine("  " + string.Join(" · ", facts));
        foreach (string error in Errors(pipeline, now))
        {
            output.WriteLine("  " + error);
        }

        JsonElement[] shards = pipeline.TryGetProperty("shards", out JsonElement list) && list.ValueKind == JsonValueKind.Array ? [.. list.EnumerateArray()] : [];
        if (shards.Length == 0)
        {
            output.WriteLine("  no shards yet (the lease table is empty or still being created)");
            return;
        }

        List<string[]> rows = [Columns, .. shards.Select(shard => ShardCells(shard, workerId, now))];
        int[] widths = [.. Enumerable.Range(0, Columns.Length).Select(column => rows.Max(row => row[column].Length))];
        foreach (string[] row in rows)
        {
            var line = new StringBuilder("  ");
            for (int column = 0; column < row.Length; column++)
            {
                bool lastColumn = column == row.Length - 1;
                line.Append(lastColumn ? row[column] : RightAligned[column] ? row[column].PadLeft(widths[column]) : row[column].PadRight(widths[column]));
                if (!lastColumn)
                {
                    line.Append("  ");
                }
            }

            output.WriteLine(line.ToString().TrimEnd());
        }

        if (shards.Any(shard => Text(shard, "leaseOwner") == workerId))
        {
            output.WriteLine("  * this worker");
        }
    }

    private static string DestinationState(JsonElement pipeline, DateTimeOffset now)
    {
        if (pipeline.TryGetProperty("running", out JsonElement running) && running.ValueKind == JsonValueKind.False)
        {
            return "STOPPED";
        }

        if (Time(pipeline, "deliveryFailingSince") is not null)
        {
            return "FAILING for " + Duration(Number(pipeline, "deliveryFailingSeconds") ?? 0);
        }

        if (Time(pipeline, "backupFailingSince") is not null)
        {
            return "BACKUP FAILING for " + Duration(Number(pipeline, "backupFailingSeconds") ?? 0);
        }

        return Time(pipeline, "lastDeliveryTime") is { } delivered ? "delivering, last " + Ago(delivered, now) : "waiting for records";
    }

    private static IEnumerable<string> Errors(JsonElement pipeline, DateTimeOffset now)
    {
        if (Text(pipeline, "leaseTableError") is { } leaseError)
        {
            yield return $"lease table error: {leaseError}";
        }

        if (Time(pipeline, "deliveryFailingSince") is not null && Error(pipeline, "lastDeliveryError", now) is { } delivery)
        {
            yield return "last error: " + delivery;
        }

        if (Time(pipeline, "backupFailingSince") is not null && Error(pipeline, "lastBackupError", now) is { } backup)
        {
            yield return "last backup error: " + backup;
        }
    }

    private static string[] ShardCells(JsonElement shard, string workerId, DateTimeOffset now)
    {
        bool here = Flag(shard, "heldHere");
        string? owner = Text(shard, "leaseOwner");
        string ownerCell = owner is null ? "(none)" : owner == workerId ? owner + " *" : owner;
        string state = Text(shard, "state") ?? (owner is not null && !here ? "elsewhere" : "-");
        string buffered = Number(shard, "bufferedRecords") is { } records
            ? $"{records.ToString("N0", CultureInfo.InvariantCulture)} rec {Bytes((long)(Number(shard, "bufferedBytes") ?? 0))}"
            : "-";
        return
        [
            Text(shard, "shardId") ?? "?",
            ownerCell,
            state,
            Number(shard, "millisBehindLatest") is { } behind ? behind.ToString("N0", CultureInfo.InvariantCulture) + " ms" : "-",
            buffered,
            Number(shard, "inFlightBatches") is { } inFlight ? inFlight.ToString("N0", CultureInfo.InvariantCulture) : "-",
            Checkpoint(Text(shard, "checkpoint")),
            Time(shard, "lastDeliveryTime") is { } delivered ? Ago(delivered, now) : "-",
            Error(shard, "lastError", now) ?? "-",
        ];
    }

    private static string? Error(JsonElement parent, string name, DateTimeOffset now) =>
        parent.TryGetProperty(name, out JsonElement error) && error.ValueKind == JsonValueKind.Object
            ? $"{Text(error, "errorCode")}: {OneLine(Text(error, "message"))} ({(Time(error, "time") is { } at ? Ago(at, now) : "?")})"
            : null;

    // A message from a destination may span lines; a shard's line must stay one line.
    private static string OneLine(string? text) => string.Join(' ', (text ?? "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Ago(DateTimeOffset time, DateTimeOffset now)
    {
        double seconds = Math.Max(0, (now - time).TotalSeconds);
        return seconds < 1 ? "just now" : Duration(seconds) + " ago";
    }

    private static string Rate(double? perSecond) => perSecond is { } value ? value.ToString("#,0.#", CultureInfo.InvariantCulture) + "/s" : "-";

    private static double? LastOf(JsonElement history, string column) =>
        history.TryGetProperty(column, out JsonElement values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0
            && values[values.GetArrayLength() - 1] is { ValueKind: JsonValueKind.Number } last ? last.GetDouble() : null;

    private static string Count(JsonElement counts, string name) => ((long)(Number(counts, name) ?? 0)).ToString("N0", CultureInfo.InvariantCulture);

    private static bool Flag(JsonElement parent, string name) => parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.True;

    private static string? Text(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static DateTimeOffset? Time(JsonElement parent, string name) =>
        Text(parent, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset time) ? time : null;
}
