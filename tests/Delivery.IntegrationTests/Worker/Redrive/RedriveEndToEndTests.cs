using System.IO.Compression;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Backup;
using Delivery.Destinations.S3;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Testing;
using Delivery.Worker.CommandLine;
using Delivery.Worker.Redrive;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Worker.Redrive;

/// <summary>
/// <c>redrive</c> as an operator runs it, against s3rver: failed records written to the backup bucket by the worker's own
/// <see cref="S3BackupWriter"/>, the pipeline's real processors and S3 destination built from configuration, and what
/// landed read back with the AWS CLI.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class RedriveEndToEndTests : IAsyncLifetime
{
    private const string Pipeline = "orders";
    private static readonly DateTimeOffset Arrival = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly LocalAwsStack _stack;
    private readonly AmazonS3Client _s3;
    private readonly string _backup = LocalAwsStack.UniqueName("redrive-backup");
    private readonly string _destination = LocalAwsStack.UniqueName("redrive-dest");
    private long _nextSequence = 1000;

    public RedriveEndToEndTests(LocalAwsStack stack)
    {
        _stack = stack;
        _s3 = stack.CreateS3Client();
    }

    public async Task InitializeAsync()
    {
        await _s3.PutBucketAsync(_backup);
        await _s3.PutBucketAsync(_destination);
    }

    public Task DisposeAsync()
    {
        _s3.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Redrive_DeliversEveryFailedRecordOnce_AndASecondRunDoesNothing()
    {
        await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "o1", "o2", "o3");
        await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "o4");
        await SeedAsync(ErrorOutputTypes.ProcessingFailed, "o5", "o6");

        (int exitCode, string output) = await RedriveAsync();

        exitCode.ShouldBe(0, output);
        using var cli = new AwsCli(_stack);
        List<DeliveredObject> delivered = await cli.ReadObjectsAsync(_destination, "");
        delivered.Count.ShouldBe(3);
        Lines(delivered).Order().ShouldBe(["o1", "o2", "o3", "o4", "o5", "o6"]);
        Counts(output, "http-endpoint-failed").ShouldBe([2, 4, 0, 0, 0], output);
        Counts(output, "processing-failed").ShouldBe([1, 2, 0, 0, 0], output);
        List<string> backupKeys = await KeysAsync(_backup);

        (int secondExit, string secondOutput) = await RedriveAsync();

        secondExit.ShouldBe(0, secondOutput);
        (await KeysAsync(_destination)).ShouldBe(delivered.Select(entry => entry.Key).Order(StringComparer.Ordinal));
        (await KeysAsync(_backup)).ShouldBe(backupKeys);
        Counts(secondOutput, "http-endpoint-failed").ShouldBe([2, 0, 0, 0, 4], secondOutput);
        Counts(secondOutput, "processing-failed").ShouldBe([1, 0, 0, 0, 2], secondOutput);
    }

    [Fact]
    public async Task ARunStoppedBetweenADeliveryAndItsMarker_IsFinishedByTheNextRun_WithoutASecondObject()
    {
        await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "c1", "c2");
        await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "c3");
        await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "c4", "c5");
        using var stop = new CancellationTokenSource();

        await Should.ThrowAsync<OperationCanceledException>(() => RedriveAsync(
            configure: services => services.AddSingleton(sp => CrashAfterDelivery.Wrap(Client(), _destination, stop)),
            cancellationToken: stop.Token));
        List<string> afterCrash = await KeysAsync(_destination);
        afterCrash.Count.ShouldBe(1);
        (await KeysAsync(_backup)).ShouldNotContain(key => key.StartsWith(RedriveIds.MarkerRoot, StringComparison.Ordinal));

        (int exitCode, string output) = await RedriveAsync();

        exitCode.ShouldBe(0, output);
        using var cli = new AwsCli(_stack);
        List<DeliveredObject> delivered = await cli.ReadObjectsAsync(_destination, "");
        delivered.Count.ShouldBe(3);
        delivered.Select(entry => entry.Key).ShouldContain(afterCrash[0]);
        Lines(delivered).Order().ShouldBe(["c1", "c2", "c3", "c4", "c5"]);
        (await KeysAsync(_backup)).Count(key => key.StartsWith(RedriveIds.MarkerRoot, StringComparison.Ordinal)).ShouldBe(3);
    }

    [Fact]
    public async Task RecordsTheProcessorsRefuseAgain_GoBackToTheBackupBucket_AndTheRestIsDelivered()
    {
        await SeedAsync(ErrorOutputTypes.DecompressionFailed, Gzip("g1"), Encoding.UTF8.GetBytes("plain"), Gzip("g2"));
        var settings = new Dictionary<string, string?>
        {
            [$"Delivery:Pipelines:{Pipeline}:Processing:Processors:0:Type"] = "Decompression",
        };

        (int exitCode, string output) = await RedriveAsync(settings);

        exitCode.ShouldBe(0, output);
        Counts(output, "decompression-failed").ShouldBe([1, 2, 1, 0, 0], output);
        using var cli = new AwsCli(_stack);
        Lines(await cli.ReadObjectsAsync(_destination, "")).ShouldBe(["g1", "g2"]);
        List<string> failedAgain = [.. (await KeysAsync(_backup)).Where(key => key.StartsWith(RedriveIds.FailedAgainRoot + "decompression-failed/", StringComparison.Ordinal))];
        string line = (await GunzipAsync(_backup, failedAgain.ShouldHaveSingleItem())).TrimEnd('\n');
        BackupLine.Parse(failedAgain[0], 1, line).RawData.ShouldBe(Encoding.UTF8.GetBytes("plain"));
        line.ShouldContain("\"errorCode\":\"Decompression.InvalidGzip\"");

        (int secondExit, string secondOutput) = await RedriveAsync(settings);

        secondExit.ShouldBe(0, secondOutput);
        (await KeysAsync(_destination)).Count.ShouldBe(1);
        Counts(secondOutput, "decompression-failed").ShouldBe([1, 0, 0, 0, 3], secondOutput);
    }

    [Fact]
    public async Task ADryRun_ListsWhatWouldBeRedriven_AndChangesNothing()
    {
        string key = await SeedAsync(ErrorOutputTypes.HttpEndpointFailed, "d1", "d2");
        await SeedAsync(ErrorOutputTypes.ProcessingFailed, "d3");
        List<string> before = await KeysAsync(_backup);

        (int exitCode, string output) = await RedriveAsync(arguments: ["--dry-run", "--from", "http-endpoint-failed/"]);

        exitCode.ShouldBe(0, output);
        output.ShouldContain($"would redrive     s3://{_backup}/{key} (http-endpoint-failed, 2 records)");
        output.ShouldNotContain("processing-failed");
        (await KeysAsync(_backup)).ShouldBe(before);
        (await KeysAsync(_destination)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AnUnreadableBackupLine_IsNamedWithItsObjectAndLine()
    {
        const string key = "http-endpoint-failed/2026/03/04/05/hand-made.gz";
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _backup,
            Key = key,
            InputStream = new MemoryStream(Gzip("{\"rawData\":\"YQ==\",\"arrivalTimestamp\":1}\n{\"rawData\":\"%%%\",\"arrivalTimestamp\":1}\n")),
            Metadata = { ["error-output-type"] = ErrorOutputTypes.HttpEndpointFailed },

            // s3rver would store an aws-chunked body as it came, frames and all.
            UseChunkEncoding = false,
        });

        (int exitCode, string output) = await RedriveAsync();

        exitCode.ShouldBe(2);
        output.ShouldContain($"problem: s3://{_backup}/{key} line 2: rawData is not base64.", Case.Sensitive, output);
        (await KeysAsync(_destination)).ShouldBeEmpty();
    }

    /// <summary>The numbers in the report's row for <paramref name="errorOutputType"/>: objects, delivered, failed again, left, already redriven.</summary>
    private static int[] Counts(string output, string errorOutputType) =>
        [.. output.Split('\n').Single(line => line.StartsWith(errorOutputType + " ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse)];

    private static IEnumerable<string> Lines(IEnumerable<DeliveredObject> objects) =>
        objects.SelectMany(entry => Encoding.UTF8.GetString(entry.Content).Split('\n', StringSplitOptions.RemoveEmptyEntries));

    private static byte[] Gzip(string text)
    {
        using var body = new MemoryStream();
        using (var gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return body.ToArray();
    }

    private IAmazonS3 Client() => S3ClientFactory.Create(_stack.Credentials, _stack.Region, _stack.S3Endpoint);

    private Task<string> SeedAsync(string errorOutputType, params string[] records) => SeedAsync(errorOutputType, [.. records.Select(Encoding.UTF8.GetBytes)]);

    /// <summary>Writes one failed batch as the worker's pipeline does: all its records failed with one error output type.</summary>
    private async Task<string> SeedAsync(string errorOutputType, params byte[][] records)
    {
        SourceRecord[] source = [.. records.Select(data => new SourceRecord(new ShardPosition((_nextSequence++).ToString(System.Globalization.CultureInfo.InvariantCulture)), "pk", Arrival, data))];
        var batch = new DeliveryBatch(Pipeline, new BatchSource("orders-stream", "shardId-000000000000", source[0].Position, source[^1].Position), source);
        using IAmazonS3 client = Client();
        var writer = new S3BackupWriter(new BackupOptions { BucketName = _backup }, client, new FakeTimeProvider(Arrival.AddHours(1)), NullLogger<S3BackupWriter>.Instance);
        await writer.WriteFailedAsync(batch, errorOutputType, [.. source.Select((_, i) => new FailedRecord(i, "Test.Failure", "seeded", errorOutputType))], CancellationToken.None);
        return writer.KeyFor(batch, errorOutputType);
    }

    private async Task<(int ExitCode, string Output)> RedriveAsync(
        Dictionary<string, string?>? settings = null,
        string[]? arguments = null,
        Action<IServiceCollection>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var all = new Dictionary<string, string?>
        {
            ["Delivery:Aws:Region"] = _stack.Region,
            ["Delivery:Aws:ServiceUrls:S3"] = _stack.S3Endpoint.ToString(),
            [$"Delivery:Pipelines:{Pipeline}:Kinesis:StreamName"] = "orders-stream",
            [$"Delivery:Pipelines:{Pipeline}:S3:BucketName"] = _destination,
            [$"Delivery:Pipelines:{Pipeline}:Backup:BucketName"] = _backup,
        };
        foreach ((string key, string? value) in settings ?? [])
        {
            all[key] = value;
        }

        string[] args = CommandLineVerbs.Normalize(["redrive", "--pipeline", Pipeline, .. arguments ?? []]);
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(all).AddCommandLine(args).Build();
        var output = new StringWriter();
        int exitCode = await RedriveVerb.RunAsync(args, configuration, output, output, services =>
        {
            services.AddSingleton<AWSCredentials>(_stack.Credentials);
            configure?.Invoke(services);
        }, cancellationToken);
        return (exitCode, output.ToString());
    }

    private async Task<List<string>> KeysAsync(string bucket)
    {
        ListObjectsV2Response listing = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return [.. (listing.S3Objects ?? []).Select(entry => entry.Key).Order(StringComparer.Ordinal)];
    }

    private async Task<string> GunzipAsync(string bucket, string key)
    {
        using GetObjectResponse stored = await _s3.GetObjectAsync(bucket, key);
        await using var gzip = new GZipStream(stored.ResponseStream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
