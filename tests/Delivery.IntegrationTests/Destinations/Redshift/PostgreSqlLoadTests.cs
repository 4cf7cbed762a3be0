using System.Globalization;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Redshift;
using Delivery.Destinations.S3;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Delivery.IntegrationTests.Destinations.Backup;
using static Delivery.IntegrationTests.Destinations.PipelineHarness;

namespace Delivery.IntegrationTests.Destinations.Redshift;

/// <summary>
/// The Redshift destination's whole path against a real PostgreSQL (started by <see cref="PostgresServer"/>) and s3rver:
/// staging object and manifest in the intermediate bucket, COPY FROM STDIN streaming them, idempotent insert by key.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class PostgreSqlLoadTests : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly PostgresServer _postgres;
    private readonly AmazonS3Client _s3;
    private readonly string _staging = LocalAwsStack.UniqueName("staging");
    private readonly string _backup = LocalAwsStack.UniqueName("rs-backup");
    private readonly string _table = "events_" + Guid.NewGuid().ToString("N")[..12];
    private readonly CapturingLoggerProvider _logs = new();
    private NpgsqlDataSource _database = null!;

    public PostgreSqlLoadTests(PostgresServer postgres, LocalAwsStack stack)
    {
        _postgres = postgres;
        _s3 = stack.CreateS3Client();
    }

    public async Task InitializeAsync()
    {
        await _s3.PutBucketAsync(_staging);
        await _s3.PutBucketAsync(_backup);
        _database = NpgsqlDataSource.Create(_postgres.ConnectionString);
        await ExecuteAsync($"CREATE TABLE {_table} (id bigint NOT NULL, name text NOT NULL, amount numeric(12,2) NOT NULL)");
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _s3.Dispose();
    }

    [Fact]
    public async Task StagedBatches_AreLoaded_AndTheRowsAreTheInput()
    {
        RedshiftBatchWriter writer = Writer(Options());
        DeliveryBatch[] batches = [Batch(CsvRows(0, 40)), Batch(CsvRows(40, 25))];

        foreach (DeliveryBatch batch in batches)
        {
            (await writer.WriteAsync(batch, CancellationToken.None)).AllDelivered.ShouldBeTrue();
        }

        (await RowsAsync()).ShouldBe(Expected(0, 65));
        List<string> keys = await KeysAsync(_staging);
        keys.Count(k => k.StartsWith("staging/manifests/", StringComparison.Ordinal) && k.EndsWith(".manifest", StringComparison.Ordinal)).ShouldBe(2);
        string dataKey = keys.Single(k => k.EndsWith($"{batches[0].Id}.gz", StringComparison.Ordinal));
        string manifestKey = keys.Single(k => k.EndsWith($"{batches[0].Id}.manifest", StringComparison.Ordinal));
        (await TextAsync(_staging, manifestKey)).ShouldBe($"{{\"entries\":[{{\"url\":\"s3://{_staging}/{dataKey}\",\"mandatory\":true}}]}}");
    }

    [Fact]
    public async Task ABatchRetriedAfterAFailureBetweenCopyAndCommit_IsNotDoubled_NorWhenAWorkerLoadsItAgainAfterARestart()
    {
        // A deferred constraint trigger fails the first transaction at COMMIT, after COPY and INSERT have run.
        await ExecuteAsync($"CREATE SEQUENCE {_table}_fault");
        await ExecuteAsync($"""
            CREATE FUNCTION {_table}_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF nextval('{_table}_fault') = 1 THEN RAISE EXCEPTION 'injected failure at commit' USING ERRCODE = '40001'; END IF;
              RETURN NULL;
            END $$
            """);
        await ExecuteAsync($"CREATE CONSTRAINT TRIGGER {_table}_at_commit AFTER INSERT ON {_table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {_table}_fail_once()");
        DeliveryBatch batch = Batch(CsvRows(0, 30));

        (await Writer(Options()).WriteAsync(batch, CancellationToken.None)).AllDelivered.ShouldBeTrue();
        (await Writer(Options()).WriteAsync(Batch(CsvRows(0, 30)), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        _logs.Entries.ShouldContain(e => e.EventId.Name == "RedshiftLoadAttemptFailed" && e.Message.Contains("40001", StringComparison.Ordinal));
        (await RowsAsync()).ShouldBe(Expected(0, 30));
    }

    [Fact]
    public async Task WithoutKeyColumns_ACopyGoesStraightIntoTheTable()
    {
        RedshiftDestinationOptions options = Options();
        options.KeyColumns = [];

        (await Writer(options).WriteAsync(Batch(CsvRows(5, 10)), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        (await RowsAsync()).ShouldBe(Expected(5, 10));
    }

    [Fact]
    public async Task ABatchThatCannotLoad_LeavesItsManifestUnderTheErrorsPrefix_AndItsRecordsInTheBackupBucket()
    {
        RedshiftDestinationOptions options = Options();
        List<byte[]> bad = CsvRows(10, 10);
        bad[4] = Encoding.UTF8.GetBytes("14,broken,not-a-number");
        DeliveryBatch badBatch = Batch(bad, firstSequence: 10);

        await using (var harness = new PipelineHarness(Writer(options), _s3, _backup, new MemoryBudget(64L * 1024 * 1024)))
        {
            await harness.AppendAsync(SourceRecords(CsvRows(0, 10), 0));
            await harness.AppendAsync(SourceRecords(bad, 10));
            await harness.AppendAsync(SourceRecords(CsvRows(20, 10), 20));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            (await harness.DrainAsync(timeout.Token)).ShouldBe(Position(29));
        }

        (await RowsAsync()).ShouldBe([.. Expected(0, 10), .. Expected(20, 10)]);
        List<BackedUp> backedUp = await BackupBucket.ReadAsync(_s3, _backup);
        backedUp.Select(b => b.RawData).ShouldBe(bad);
        backedUp.ShouldAllBe(b => b.ErrorCode == "Redshift.DataLoadFailed" && b.Key.StartsWith("redshift-failed/", StringComparison.Ordinal));
        string errorManifest = (await KeysAsync(_staging)).Single(k => k.StartsWith("errors/manifests/", StringComparison.Ordinal));
        errorManifest.ShouldEndWith($"{badBatch.Id}.manifest");
        (await TextAsync(_staging, errorManifest)).ShouldContain($"{badBatch.Id}.gz\",\"mandatory\":true");
        _logs.Entries.Count(e => e.EventId.Name == "RedshiftLoadAttemptFailed").ShouldBe(1, "a rejected row is permanent: one attempt, no retries");
    }

    [Fact]
    public async Task AStagedObjectThatIsGoneMidLoad_CancelsTheCopy_AndLeavesTheConnectionUsable()
    {
        RedshiftDestinationOptions options = Options();
        string present = "staging/present.csv";
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _staging, Key = present, ContentBody = "1,\"a\",1.00\n2,\"b\",2.00\n", UseChunkEncoding = false });
        string manifest = RedshiftStager.Manifest($"s3://{_staging}/{present}", $"s3://{_staging}/staging/missing.csv");
        var staged = new StagedBatch(_staging, present, "staging/m.manifest", manifest, Gzip: false);
        await using NpgsqlConnection connection = await _database.OpenConnectionAsync();

        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync())
        {
            DeliveryException error = await Should.ThrowAsync<DeliveryException>(() => new PostgreSqlCopyLoader(options, _s3).LoadAsync(connection, _table, staged, CancellationToken.None));
            error.ErrorCode.ShouldBe("S3.NoSuchKey");
            error.Kind.ShouldBe(FailureKind.Permanent);
            await transaction.RollbackAsync();
        }

        await using NpgsqlCommand count = new($"SELECT count(*) FROM {_table}", connection);
        (await count.ExecuteScalarAsync()).ShouldBe(0L);
    }

    private RedshiftDestinationOptions Options() => new()
    {
        ConnectionString = _postgres.ConnectionString,
        Table = "public." + _table,
        Columns = ["id", "name", "amount"],
        KeyColumns = ["id"],
        CopyOptions = "WITH (FORMAT csv)",
        Loader = RedshiftLoader.PostgreSqlCopyFromStdin,
        RetryDurationSeconds = 30,
        IntermediateS3 = new S3DestinationOptions { BucketName = _staging, Prefix = "staging/" },
    };

    private RedshiftBatchWriter Writer(RedshiftDestinationOptions options)
    {
        var stager = new RedshiftStager(options, new S3BatchWriter(options.IntermediateS3!, _s3, NullLogger<S3BatchWriter>.Instance), _s3);
        var logger = new LoggerFactory([_logs]).CreateLogger<RedshiftBatchWriter>();
        return new RedshiftBatchWriter(options, stager, _database, new PostgreSqlCopyLoader(options, _s3), logger, TimeProvider.System, () => 0.5);
    }

    // CSV rows with the cases a loader must not mangle: quoted commas, doubled quotes, unicode.
    private static List<byte[]> CsvRows(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => Encoding.UTF8.GetBytes($"{i},\"{Name(i)}\",{Amount(i)}"))];

    private static string Name(int i) => i % 3 == 0 ? $"name {i}, \"\"quoted\"\"" : $"näme-{i}-東京";

    private static string Amount(int i) => (i * 1.25m).ToString("F2", CultureInfo.InvariantCulture);

    private static List<(long, string, string)> Expected(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => ((long)i, Name(i).Replace("\"\"", "\"", StringComparison.Ordinal), Amount(i)))];

    private static DeliveryBatch Batch(IReadOnlyList<byte[]> rows, int firstSequence = 0)
    {
        List<SourceRecord> records = SourceRecords(rows, firstSequence);
        return new DeliveryBatch("clicks", new BatchSource("clickstream", ShardId, records[0].Position, records[^1].Position), records);
    }

    private static List<SourceRecord> SourceRecords(IReadOnlyList<byte[]> rows, int firstSequence) =>
        [.. rows.Select((data, i) => new SourceRecord(Position(firstSequence + i), "pk", new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero), data))];

    private async Task<List<(long, string, string)>> RowsAsync()
    {
        var rows = new List<(long, string, string)>();
        await using NpgsqlCommand command = _database.CreateCommand($"SELECT id, name, amount::text FROM {_table} ORDER BY id, name");
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using NpgsqlCommand command = _database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> KeysAsync(string bucket)
    {
        ListObjectsV2Response listing = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return [.. (listing.S3Objects ?? []).Select(o => o.Key)];
    }

    private async Task<string> TextAsync(string bucket, string key)
    {
        using GetObjectResponse stored = await _s3.GetObjectAsync(bucket, key);
        using var reader = new StreamReader(stored.ResponseStream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
