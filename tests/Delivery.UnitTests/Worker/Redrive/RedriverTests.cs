using System.IO.Compression;
using System.Text;
using Delivery.Destinations.Backup;
using Delivery.Worker.Redrive;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Worker.Redrive;

/// <summary>
/// The redrive loop against a bucket in memory, with backup objects written by the real <see cref="S3BackupWriter"/> and
/// a destination that records what it was given; the emulator tests (Redrive integration tests) repeat the guarantees
/// with s3rver and the real S3 destination.
/// </summary>
public sealed class RedriverTests
{
    private const string Bucket = "backup";
    private static readonly DateTimeOffset Arrival = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly InMemoryBucket _bucket = new();
    private readonly FakeTimeProvider _time = new(Arrival.AddDays(1));

    [Fact]
    public async Task ARun_DeliversEachObjectAsOneBatchOfItsOriginalBytes_AndASecondRunDoesNothing()
    {
        string http = await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "shard-1", "a", "b", "c");
        string processing = await SeedAsync(ErrorOutputTypes.ProcessingFailed, "shard-2", "d");
        var destination = new RecordingWriter();

        RedriveReport first = await RunAsync(destination);

        destination.Batches.Count.ShouldBe(2);
        destination.Batches.Select(batch => batch.Source.ShardId).ShouldBe([http, processing]);
        destination.Batches.SelectMany(Texts).ShouldBe(["a", "b", "c", "d"]);
        destination.Batches.ShouldAllBe(batch => batch.DeliveryStreamName == "orders" && batch.OldestArrival == Arrival);
        first.For(ErrorOutputTypes.HttpEndpointFailed).Delivered.ShouldBe(3);
        first.For(ErrorOutputTypes.ProcessingFailed).Delivered.ShouldBe(1);
        first.Complete.ShouldBeTrue();
        _bucket.Objects.Keys.ShouldContain(RedriveIds.MarkerKey(http));
        int puts = _bucket.Puts;

        RedriveReport second = await RunAsync(destination);

        destination.Batches.Count.ShouldBe(2);
        _bucket.Puts.ShouldBe(puts);
        second.For(ErrorOutputTypes.HttpEndpointFailed).Skipped.ShouldBe(3);
        second.For(ErrorOutputTypes.HttpEndpointFailed).Delivered.ShouldBe(0);
        second.For(ErrorOutputTypes.ProcessingFailed).Skipped.ShouldBe(1);
    }

    [Fact]
    public async Task AStopAfterDeliveryButBeforeTheMarker_IsRedoneWithTheSameBatchId()
    {
        await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "shard-1", "a");
        string second = await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "shard-2", "b", "c");
        using var stop = new CancellationTokenSource();
        var crashing = new RecordingWriter { AfterWrite = batch => { if (batch.Source.ShardId == second) { stop.Cancel(); } } };

        await Should.ThrowAsync<OperationCanceledException>(() => RunAsync(crashing, cancellationToken: stop.Token));
        _bucket.Objects.Keys.ShouldNotContain(RedriveIds.MarkerKey(second));
        var rerun = new RecordingWriter();
        await RunAsync(rerun);

        rerun.Batches.ShouldHaveSingleItem().Id.ShouldBe(crashing.Batches[^1].Id);
        rerun.Batches[0].Records.Select(record => record.Position).ShouldBe(crashing.Batches[^1].Records.Select(record => record.Position));
        _bucket.Objects.Keys.ShouldContain(RedriveIds.MarkerKey(second));
    }

    [Fact]
    public async Task RecordsRefusedAgain_GoBackToTheBackupBucketUnderTheFailedAgainPrefix_AndTheObjectIsMarked()
    {
        string key = await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "shard-1", "a", "b", "c");
        var destination = new RecordingWriter
        {
            Result = _ => new BatchWriteResult([new FailedRecord(1, "HttpEndpoint.InvalidResponse", "400 again", ErrorOutputTypes.HttpEndpointFailed)]),
        };

        RedriveReport report = await RunAsync(destination);

        report.For(ErrorOutputTypes.HttpEndpointFailed).Delivered.ShouldBe(2);
        report.For(ErrorOutputTypes.HttpEndpointFailed).FailedAgain.ShouldBe(1);
        string failedAgain = _bucket.Objects.Keys.Single(name => name.StartsWith(RedriveIds.FailedAgainRoot + "http-endpoint-failed/", StringComparison.Ordinal));
        string[] lines = Gunzip(_bucket.Objects[failedAgain].Body).TrimEnd('\n').Split('\n');
        BackupLine.Parse(failedAgain, 1, lines.ShouldHaveSingleItem()).RawData.ShouldBe("b"u8.ToArray());
        lines[0].ShouldContain("\"shardId\":\"" + key + "\"");
        lines[0].ShouldContain("\"sequenceNumber\":\"2\"");
        _bucket.Objects.Keys.ShouldContain(RedriveIds.MarkerKey(key));
        RedriveMarker.Parse("marker", _bucket.Objects[RedriveIds.MarkerKey(key)].Body).FailedAgainKeys.ShouldBe([failedAgain]);
    }

    [Fact]
    public async Task ADestinationThatTakesNothing_LeavesTheObjectUnmarked_ForTheNextRun()
    {
        string key = await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "shard-1", "a", "b");
        var destination = new RecordingWriter { Result = _ => throw new DeliveryException("503 Service Unavailable") };

        RedriveReport report = await RunAsync(destination);

        report.For(ErrorOutputTypes.HttpEndpointFailed).Left.ShouldBe(2);
        report.Complete.ShouldBeFalse();
        report.Problems.ShouldHaveSingleItem().ShouldContain($"s3://{Bucket}/{key}: not redriven");
        _bucket.Objects.Keys.ShouldNotContain(RedriveIds.MarkerKey(key));
    }

    [Fact]
    public async Task ADryRun_CountsWhatItWouldRedrive_AndWritesNothing()
    {
        await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "shard-1", "a", "b");
        await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "shard-2", "c");
        string done = await SeedAsync(ErrorOutputTypes.ProcessingFailed, "shard-3", "d");
        await RunAsync(new RecordingWriter(), from: "processing-failed/");
        int puts = _bucket.Puts;
        var output = new StringWriter();

        RedriveReport report = await RunAsync(writer: null, output: output);

        _bucket.Puts.ShouldBe(puts);
        report.For(ErrorOutputTypes.HttpEndpointFailed).WouldRedrive.ShouldBe(3);
        report.For(ErrorOutputTypes.HttpEndpointFailed).Objects.ShouldBe(2);
        report.For(ErrorOutputTypes.ProcessingFailed).Skipped.ShouldBe(1);
        report.For(ErrorOutputTypes.ProcessingFailed).WouldRedrive.ShouldBe(0);
        output.ToString().ShouldContain($"already redriven  s3://{Bucket}/{done} (processing-failed, 1 records)");
    }

    [Fact]
    public async Task AnUnreadableLine_IsNamedWithItsObjectAndLine_AndNothingOfThatObjectIsDelivered()
    {
        string good = await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "shard-1", "a");
        const string bad = "http-endpoint-failed/2026/03/04/05/hand-made.gz";
        Put(bad, Gzip("{\"rawData\":\"YQ==\",\"arrivalTimestamp\":1}\nnot json\n"), ErrorOutputTypes.HttpEndpointFailed);
        var destination = new RecordingWriter();

        RedriveReport report = await RunAsync(destination);

        destination.Batches.ShouldHaveSingleItem().Source.ShardId.ShouldBe(good);
        report.Problems.ShouldHaveSingleItem().ShouldStartWith($"s3://{Bucket}/{bad} line 2: not a JSON object");
        _bucket.Objects.Keys.ShouldNotContain(RedriveIds.MarkerKey(bad));
    }

    [Fact]
    public async Task ObjectsWithoutAnErrorOutputType_AreNotFailedRecords_AndAreLeftAlone()
    {
        Put("2026/03/04/05/orders-1-2026-03-04-05-06-07-abc.gz", Gzip("{\"delivered\":true}\n"), errorOutputType: null);
        var destination = new RecordingWriter();

        RedriveReport report = await RunAsync(destination);

        destination.Batches.ShouldBeEmpty();
        report.OtherObjects.ShouldBe(1);
        report.Complete.ShouldBeTrue();
    }

    private static IEnumerable<string> Texts(DeliveryBatch batch) => batch.Records.Select(record => Encoding.UTF8.GetString(record.Data.Span));

    private static byte[] Gzip(string text)
    {
        using var body = new MemoryStream();
        using (var gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return body.ToArray();
    }

    private static string Gunzip(byte[] body)
    {
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private void Put(string key, byte[] body, string? errorOutputType)
    {
        var metadata = new Dictionary<string, string>();
        if (errorOutputType is not null)
        {
            metadata["x-amz-meta-error-output-type"] = errorOutputType;
        }

        _bucket.Objects[key] = new StoredObject(body, metadata);
    }

    /// <summary>Writes every record of a batch from <paramref name="shard"/> as failed, the way the worker's pipeline does.</summary>
    private async Task<string> SeedAsync(string errorOutputType, string shard, params string[] records)
    {
        SourceRecord[] sourceRecords = [.. records.Select((text, i) => new SourceRecord(new ShardPosition((100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), "pk", Arrival, Encoding.UTF8.GetBytes(text)))];
        var batch = new DeliveryBatch("orders", new BatchSource("stream", shard, sourceRecords[0].Position, sourceRecords[^1].Position), sourceRecords);
        var writer = new S3BackupWriter(new BackupOptions { BucketName = Bucket }, _bucket.Client, _time, NullLogger<S3BackupWriter>.Instance);
        await writer.WriteFailedAsync(batch, errorOutputType, [.. sourceRecords.Select((_, i) => new FailedRecord(i, "Code", "message", errorOutputType))], CancellationToken.None);
        return writer.KeyFor(batch, errorOutputType);
    }

    private Task<RedriveReport> RunAsync(RecordingWriter? writer, string? from = null, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        BackupOptions failedAgain = new BackupOptions { BucketName = Bucket }.WithBucketName(Bucket);
        failedAgain.ErrorOutputPrefix = RedriveIds.FailedAgainPrefix(BackupOptions.DefaultErrorOutputPrefix);
        var redriver = new Redriver(
            _bucket.Client,
            Bucket,
            "orders",
            writer,
            writer is null ? null : new S3BackupWriter(failedAgain, _bucket.Client, _time, NullLogger<S3BackupWriter>.Instance),
            _time,
            NullLogger.Instance);
        return redriver.RunAsync(RedrivePlan.ListPrefix(BackupOptions.DefaultErrorOutputPrefix, from), output ?? TextWriter.Null, cancellationToken);
    }

    private sealed class RecordingWriter : IBatchWriter
    {
        public List<DeliveryBatch> Batches { get; } = [];

        public Func<DeliveryBatch, BatchWriteResult> Result { get; init; } = _ => BatchWriteResult.Delivered;

        public Action<DeliveryBatch>? AfterWrite { get; init; }

        public string DestinationType => "recording";

        public Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
        {
            BatchWriteResult result = Result(batch);
            Batches.Add(batch);
            AfterWrite?.Invoke(batch);
            return Task.FromResult(result);
        }
    }
}
