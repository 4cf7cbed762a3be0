using System.Diagnostics;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.Micro;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;

namespace Delivery.Benchmarks.ParquetReference;

/// <summary>
/// One JSON -> Parquet input: its records as NDJSON, the schema a user would declare for our encoder, and the same
/// schema in DuckDB's terms, so both write the same rows with the same types.
/// </summary>
/// <param name="Name">How the command line names it.</param>
/// <param name="Label">How the tables name it.</param>
/// <param name="Columns">Our schema, Glue types.</param>
/// <param name="Json">How our encoder reads the records.</param>
/// <param name="DuckDbColumns">The columns DuckDB's <c>read_json</c> is given, in file order.</param>
/// <param name="DuckDbSelect">What DuckDB selects from them (an epoch number becomes a timestamp there).</param>
public sealed record ParquetInput(
    string Name,
    string Label,
    IReadOnlyList<ParquetColumn> Columns,
    JsonConversionOptions Json,
    IReadOnlyList<KeyValuePair<string, string>> DuckDbColumns,
    string DuckDbSelect = "*");

/// <summary>The inputs of the JSON -> Parquet comparison: the generated 100 B and 600 B records and the nested example.</summary>
public static class ParquetInputs
{
    public static ParquetInput Log100 { get; } = new(
        "100",
        "100 B logs",
        [new("ts", "timestamp"), new("lvl", "string"), new("svc", "string"), new("msg", "string"), new("ms", "int"), new("req", "string")],
        new JsonConversionOptions { TimestampFormats = ["millis"] },
        [new("ts", "BIGINT"), new("lvl", "VARCHAR"), new("svc", "VARCHAR"), new("msg", "VARCHAR"), new("ms", "INTEGER"), new("req", "VARCHAR")],
        "epoch_ms(ts) AS ts, lvl, svc, msg, ms, req");

    public static ParquetInput Click600 { get; } = new(
        "600",
        "600 B clickstream",
        [
            new("event_id", "string"), new("event_type", "string"), new("event_time", "timestamp"), new("seq", "bigint"),
            new("user_id", "string"), new("session_id", "string"), new("page_url", "string"), new("referrer", "string"),
            new("user_agent", "string"), new("ip", "string"), new("geo", "struct<country:string,city:string>"),
            new("product", "struct<sku:string,category:string,price:double,quantity:int>"), new("logged_in", "boolean"),
            new("device", "string"),
        ],
        new JsonConversionOptions(),
        [
            new("event_id", "VARCHAR"), new("event_type", "VARCHAR"), new("event_time", "TIMESTAMP"), new("seq", "BIGINT"),
            new("user_id", "VARCHAR"), new("session_id", "VARCHAR"), new("page_url", "VARCHAR"), new("referrer", "VARCHAR"),
            new("user_agent", "VARCHAR"), new("ip", "VARCHAR"), new("geo", "STRUCT(country VARCHAR, city VARCHAR)"),
            new("product", "STRUCT(sku VARCHAR, category VARCHAR, price DOUBLE, quantity INTEGER)"), new("logged_in", "BOOLEAN"),
            new("device", "VARCHAR"),
        ]);

    /// <summary>
    /// About 345 B: a nested struct, an int array, nulls. Written by <c>Data/make-clickstream-nested.py</c>, whose
    /// docstring gives this schema; its bytes are the same on every machine.
    /// </summary>
    public static ParquetInput Nested { get; } = new(
        "nested",
        "345 B nested",
        [
            new("event_id", "string"), new("ts", "timestamp"), new("user", "struct<id:string,country:string,agent:string>"),
            new("page", "string"), new("referrer", "string"), new("duration_ms", "int"), new("price", "double"),
            new("items", "array<int>"), new("session", "string"), new("ab", "string"), new("ok", "boolean"),
        ],
        new JsonConversionOptions(),
        [
            new("event_id", "VARCHAR"), new("ts", "TIMESTAMP"), new("user", "STRUCT(id VARCHAR, country VARCHAR, agent VARCHAR)"),
            new("page", "VARCHAR"), new("referrer", "VARCHAR"), new("duration_ms", "INTEGER"), new("price", "DOUBLE"),
            new("items", "INTEGER[]"), new("session", "VARCHAR"), new("ab", "VARCHAR"), new("ok", "BOOLEAN"),
        ]);

    public static IReadOnlyList<ParquetInput> All { get; } = [Click600, Log100, Nested];

    public static ParquetInput Parse(string name) =>
        All.FirstOrDefault(input => string.Equals(input.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown input '{name}'; use {string.Join(", ", All.Select(i => i.Name))}.", nameof(name));

    /// <summary>The input for one of the generated record shapes (the 4 KiB traces have no DuckDB counterpart here).</summary>
    public static ParquetInput? For(RecordShape shape) => shape switch
    {
        RecordShape.Log100 => Log100,
        RecordShape.Click600 => Click600,
        _ => null,
    };

    /// <summary>Writes the input's NDJSON (about 5 MiB, one record a line) to <paramref name="path"/>.</summary>
    public static async Task WriteNdjsonAsync(ParquetInput input, string path)
    {
        if (input == Nested)
        {
            string script = Path.Combine(Testing.LocalAwsStack.RepositoryRoot, "bench", "Delivery.Benchmarks", "Data", "make-clickstream-nested.py");
            using Process process = Process.Start(new ProcessStartInfo("python3") { ArgumentList = { script, path, "5" }, UseShellExecute = false })
                ?? throw new InvalidOperationException("Could not start python3.");
            await process.WaitForExitAsync().ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}.");
            }

            return;
        }

        RecordShape shape = input == Log100 ? RecordShape.Log100 : RecordShape.Click600;
        await using FileStream file = File.Create(path);
        foreach (SourceRecord record in BenchmarkData.Batch(shape).Records)
        {
            await file.WriteAsync(record.Data).ConfigureAwait(false);
            file.WriteByte((byte)'\n');
        }
    }

    /// <summary>The records of an NDJSON file, one per line, as a batch hands them to the encoder.</summary>
    public static SourceRecord[] ReadRecords(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var records = new List<SourceRecord>();
        int start = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            end = end < 0 ? bytes.Length : end;
            if (end > start)
            {
                records.Add(new SourceRecord(new ShardPosition("1", records.Count), "key", DateTimeOffset.UnixEpoch, bytes.AsMemory(start, end - start)));
            }

            start = end + 1;
        }

        return [.. records];
    }
}
