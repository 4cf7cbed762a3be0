using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.Reporting;
using Delivery.Kinesis.Client;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.Benchmarks.LocalStack;

/// <summary>
/// <c>local</c>: figures through the local stack (the one the integration tests would use: kinesalite, dynalite and
/// s3rver, or LocalStack; see <see cref="TestStackSelection"/>) with the real worker in process. Put-to-object latency with interval 0 and 1 s,
/// and Delivery's drain rate against a bare GetRecords loop over the same stream, which is what the emulator can serve.
/// Options: <c>--quick</c>, <c>--records N</c> (drain), <c>--seconds N</c> (latency), <c>--rate N</c> (records/s put).
/// </summary>
public static class LocalStackCommand
{
    private const int Shards = 4;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        bool quick = args.Contains("--quick");
        int drainRecords = int.Parse(Option(args, "--records") ?? (quick ? "20000" : "300000"), CultureInfo.InvariantCulture);
        int seconds = int.Parse(Option(args, "--seconds") ?? (quick ? "8" : "20"), CultureInfo.InvariantCulture);
        int rate = int.Parse(Option(args, "--rate") ?? "200", CultureInfo.InvariantCulture);
        await output.WriteLineAsync($"Machine: {Machine.Describe()}").ConfigureAwait(false);
        await output.WriteLineAsync($"Command: Delivery.Benchmarks local {string.Join(' ', args)}").ConfigureAwait(false);

        var stack = new LocalAwsStack();
        await stack.InitializeAsync().ConfigureAwait(false);
        try
        {
            using KinesisClient kinesis = KinesisClient.Create(new KinesisClientOptions { Region = stack.Region, ServiceUrl = stack.KinesisEndpoint }, stack.Credentials, TimeProvider.System, NullLoggerFactory.Instance);
            using AmazonS3Client s3 = stack.CreateS3Client();
            RecordPool pool = RecordPool.Generate(RecordShape.Click600, 4L * 1024 * 1024);
            await output.WriteLineAsync($"{Environment.NewLine}## Put-to-object latency through the local stack ({Shards} shards, {rate} records/s of ~600 B for {seconds} s, IdleMillisBetweenReads 200){Environment.NewLine}").ConfigureAwait(false);
            await output.WriteLineAsync("| interval | records | objects | p50 | p99 | max | target |").ConfigureAwait(false);
            await output.WriteLineAsync("|---|---|---|---|---|---|---|").ConfigureAwait(false);
            int misses = 0;
            foreach (int interval in new[] { 0, 1 })
            {
                Latency latency = await MeasureLatencyAsync(stack, kinesis, s3, pool, interval, seconds, rate).ConfigureAwait(false);
                string target = interval == 0 ? (latency.P99 < TimeSpan.FromSeconds(1) ? "p99 < 1 s met" : "p99 < 1 s MISSED") : "-";
                misses += target.Contains("MISSED", StringComparison.Ordinal) ? 1 : 0;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"| {interval} s | {latency.Records:N0} | {latency.Objects} | {latency.P50.TotalMilliseconds:F0} ms | {latency.P99.TotalMilliseconds:F0} ms | {latency.Max.TotalMilliseconds:F0} ms | {target} |")).ConfigureAwait(false);
            }

            await output.WriteLineAsync($"{Environment.NewLine}## Draining a filled stream: Delivery against a bare GetRecords loop ({drainRecords:N0} records of ~600 B on {Shards} shards){Environment.NewLine}").ConfigureAwait(false);
            (double bare, double delivery) = await MeasureDrainAsync(stack, kinesis, s3, pool, drainRecords).ConfigureAwait(false);
            bool met = delivery >= 0.9 * bare;
            misses += met ? 0 : 1;
            await output.WriteLineAsync("| bare GetRecords drain | Delivery to S3 (read, gzip, write, checkpoint) | ratio | target |").ConfigureAwait(false);
            await output.WriteLineAsync("|---|---|---|---|").ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {bare:N0} records/s | {delivery:N0} records/s | {delivery / bare:F2} | >= 0.9 {(met ? "met" : "MISSED")} |")).ConfigureAwait(false);
            await output.WriteLineAsync($"Load average at the end: {Machine.LoadAverage()}.").ConfigureAwait(false);
            await output.WriteLineAsync(misses == 0 ? "Every target met." : $"{misses} target(s) missed: see the rows marked MISSED.").ConfigureAwait(false);
            return 0;
        }
        finally
        {
            await stack.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<Latency> MeasureLatencyAsync(LocalAwsStack stack, KinesisClient kinesis, AmazonS3Client s3, RecordPool pool, int interval, int seconds, int rate)
    {
        (string stream, string bucket) = await CreateAsync(kinesis, s3, "latency").ConfigureAwait(false);
        InProcessWorker worker = await InProcessWorker.StartAsync(stack, stream, bucket, interval, sizeMiB: 1).ConfigureAwait(false);
        await using (worker.ConfigureAwait(false))
        {
            await WaitForSessionsAsync(worker).ConfigureAwait(false);
            var putAt = new Dictionary<long, long>();
            const int perTick = 10;
            TimeSpan tick = TimeSpan.FromSeconds((double)perTick / rate);
            var clock = Stopwatch.StartNew();
            long next = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                long started = Stopwatch.GetTimestamp();
                var request = new PutRecordsRequest { StreamName = stream };
                for (int i = 0; i < perTick; i++, next++)
                {
                    putAt[next] = started;
                    request.Records.Add(new PutRecordsRequestEntry { Data = new MemoryStream(Tagged(pool, next)), PartitionKey = next.ToString(CultureInfo.InvariantCulture) });
                }

                PutRecordsResponse response = await kinesis.PutRecordsAsync(request).ConfigureAwait(false);
                if (response.FailedRecordCount > 0)
                {
                    throw new InvalidOperationException($"{response.FailedRecordCount} records were not put.");
                }

                TimeSpan wait = tick * ((double)next / perTick) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }
            }

            await worker.Events.WaitForRecordsAsync(next, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            var latencies = new List<TimeSpan>();
            foreach (WorkerEvent written in worker.Events.ObjectsWritten)
            {
                foreach (long id in await ReadIdsAsync(s3, bucket, written.Key).ConfigureAwait(false))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(putAt[id], written.Timestamp));
                }
            }

            if (latencies.Count != next)
            {
                throw new InvalidOperationException($"The objects hold {latencies.Count} records; {next} were put.");
            }

            latencies.Sort();
            return new Latency(latencies.Count, worker.Events.ObjectsWritten.Count, Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1]);
        }
    }

    private static async Task<(double Bare, double Delivery)> MeasureDrainAsync(LocalAwsStack stack, KinesisClient kinesis, AmazonS3Client s3, RecordPool pool, int records)
    {
        (string stream, string bucket) = await CreateAsync(kinesis, s3, "drain").ConfigureAwait(false);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(putter => Task.Run(async () =>
        {
            for (int first = putter * 500; first < records; first += 4 * 500)
            {
                var request = new PutRecordsRequest { StreamName = stream };
                for (int id = first; id < Math.Min(records, first + 500); id++)
                {
                    request.Records.Add(new PutRecordsRequestEntry { Data = new MemoryStream(Tagged(pool, id)), PartitionKey = id.ToString(CultureInfo.InvariantCulture) });
                }

                PutRecordsResponse response = await kinesis.PutRecordsAsync(request).ConfigureAwait(false);
                if (response.FailedRecordCount > 0)
                {
                    throw new InvalidOperationException($"{response.FailedRecordCount} records were not put.");
                }
            }
        }))).ConfigureAwait(false);

        ListShardsResponse shards = await kinesis.ListShardsAsync(new ListShardsRequest { StreamName = stream }).ConfigureAwait(false);
        var bareClock = Stopwatch.StartNew();
        long[] counts = await Task.WhenAll(shards.Shards.Select(shard => Task.Run(async () =>
        {
            GetShardIteratorResponse iterator = await kinesis.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon }).ConfigureAwait(false);
            string? next = iterator.ShardIterator;
            long read = 0;
            while (next is not null)
            {
                GetRecordsResponse page = await kinesis.GetRecordsAsync(new GetRecordsRequest { ShardIterator = next, Limit = 10_000 }).ConfigureAwait(false);
                if (page.Records.Count == 0)
                {
                    break;
                }

                read += page.Records.Count;
                next = page.NextShardIterator;
            }

            return read;
        }))).ConfigureAwait(false);
        double bare = counts.Sum() / bareClock.Elapsed.TotalSeconds;
        if (counts.Sum() != records)
        {
            throw new InvalidOperationException($"The bare drain read {counts.Sum()} records; {records} were put.");
        }

        // Interval 0: each page read goes on its way at once, so the end of the run does not wait for a buffer's interval.
        InProcessWorker worker = await InProcessWorker.StartAsync(stack, stream, bucket, intervalSeconds: 0, sizeMiB: 5).ConfigureAwait(false);
        await using (worker.ConfigureAwait(false))
        {
            await worker.Events.WaitForRecordsAsync(records, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            long start = worker.Events.SessionsOpened.Min();
            long end = worker.Events.ObjectsWritten.Max(e => e.Timestamp);
            return (bare, records / Stopwatch.GetElapsedTime(start, end).TotalSeconds);
        }
    }

    private static async Task<(string Stream, string Bucket)> CreateAsync(KinesisClient kinesis, AmazonS3Client s3, string purpose)
    {
        string stream = LocalAwsStack.UniqueName("bench-" + purpose);
        await kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = Shards }).ConfigureAwait(false);
        await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await s3.PutBucketAsync(stream).ConfigureAwait(false);
        return (stream, stream);
    }

    private static async Task WaitForSessionsAsync(InProcessWorker worker)
    {
        var clock = Stopwatch.StartNew();
        while (worker.Events.SessionsOpened.Count < Shards && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        // The first GetRecords of each shard has gone out by now; the latency figures are of a worker that is reading.
        await Task.Delay(1000).ConfigureAwait(false);
    }

    /// <summary>A generated record with the benchmark's id in front, so the object it lands in tells which record it was.</summary>
    private static byte[] Tagged(RecordPool pool, long id)
    {
        ReadOnlySpan<byte> record = pool[(int)(id % pool.Count)].Span;
        byte[] prefix = Encoding.UTF8.GetBytes("{\"bench_id\":" + id.ToString(CultureInfo.InvariantCulture) + ",");
        return [.. prefix, .. record[1..]];
    }

    private static async Task<List<long>> ReadIdsAsync(AmazonS3Client s3, string bucket, string key)
    {
        using GetObjectResponse response = await s3.GetObjectAsync(bucket, key).ConfigureAwait(false);
        await using var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var ids = new List<long>();
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            using JsonDocument record = JsonDocument.Parse(line);
            ids.Add(record.RootElement.GetProperty("bench_id").GetInt64());
        }

        return ids;
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, double fraction) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];

    private static string? Option(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private sealed record Latency(int Records, int Objects, TimeSpan P50, TimeSpan P99, TimeSpan Max);
}
