using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Aws.Credentials;
using Delivery.Destinations.S3;
using Delivery.Kinesis.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.LoadGenerator;

/// <summary>
/// A small Kinesis Data Generator: creates a stream and a bucket for a local stack, and puts templated records at a
/// given rate. Credentials come from the AWS default chain (AWS_ACCESS_KEY_ID and friends for emulators).
/// </summary>
internal static class Program
{
    private const string Usage = """
        Usage:
          Delivery.LoadGenerator setup --stream NAME [--shards 4] [--bucket NAME]
          Delivery.LoadGenerator put --stream NAME [--template clickstream|log|tiny|@FILE] [--rate 100] [--count 0] [--seed 1]
        Common options:
          --region REGION            default us-east-1 (or AWS_REGION)
          --kinesis-endpoint URL     Kinesis endpoint override (or DELIVERY_KINESIS_ENDPOINT)
          --s3-endpoint URL          S3 endpoint override (or DELIVERY_S3_ENDPOINT)
        --count 0 puts until Ctrl-C. --rate is records per second.
        """;

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        Dictionary<string, string> options;
        try
        {
            options = ParseOptions(args.AsSpan(1));
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + Usage).ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            cancel.Cancel();
        });

        try
        {
            return args[0] switch
            {
                "setup" => await SetupAsync(options, cancel.Token).ConfigureAwait(false),
                "put" => await PutAsync(options, cancel.Token).ConfigureAwait(false),
                _ => throw new ArgumentException($"Unknown command '{args[0]}'."),
            };
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or DeliveryException or AmazonS3Exception)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<int> SetupAsync(Dictionary<string, string> options, CancellationToken cancellationToken)
    {
        string stream = Required(options, "stream");
        int shards = int.Parse(options.GetValueOrDefault("shards", "4"), CultureInfo.InvariantCulture);
        IKinesisClient kinesis = CreateKinesis(options);
        try
        {
            await kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = shards }, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"Created stream {stream} with {shards} shards.");
        }
        catch (ResourceInUseException)
        {
            Console.WriteLine($"Stream {stream} exists already.");
        }

        await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (options.TryGetValue("bucket", out string? bucket))
        {
            using AmazonS3Client s3 = S3ClientFactory.Create(AwsCredentialsResolver.ResolveDefault(), Region(options), Endpoint(options, "s3-endpoint", "DELIVERY_S3_ENDPOINT"));
            try
            {
                await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"Created bucket {bucket}.");
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
                Console.WriteLine($"Bucket {bucket} exists already.");
            }
        }

        return 0;
    }

    private static async Task<int> PutAsync(Dictionary<string, string> options, CancellationToken cancellationToken)
    {
        string stream = Required(options, "stream");
        string templateName = options.GetValueOrDefault("template", "clickstream");
        string templateText = templateName.StartsWith('@')
            ? await File.ReadAllTextAsync(templateName[1..], cancellationToken).ConfigureAwait(false)
            : RecordTemplate.BuiltIn.TryGetValue(templateName, out string? builtIn) ? builtIn
            : throw new ArgumentException($"Unknown template '{templateName}'; use {string.Join(", ", RecordTemplate.BuiltIn.Keys)} or @FILE.");
        var template = new RecordTemplate(templateText);
        double rate = double.Parse(options.GetValueOrDefault("rate", "100"), CultureInfo.InvariantCulture);
        long count = long.Parse(options.GetValueOrDefault("count", "0"), CultureInfo.InvariantCulture);
        var random = new Random(int.Parse(options.GetValueOrDefault("seed", "1"), CultureInfo.InvariantCulture));
        if (rate <= 0)
        {
            throw new ArgumentException("--rate must be above 0 records per second.");
        }

        IKinesisClient kinesis = CreateKinesis(options);
        TimeProvider clock = TimeProvider.System;
        long started = clock.GetTimestamp();
        long sent;
        Console.WriteLine($"Putting {(count == 0 ? "records until Ctrl-C" : $"{count} records")} into {stream} at {rate} records/s ({templateName}).");
        try
        {
            sent = await PutLoopAsync(kinesis, stream, template, random, rate, count, clock, started, cancellationToken).ConfigureAwait(false);
        }
        catch (PutStoppedException stopped)
        {
            Console.WriteLine($"Stopped: {stopped.Sent} records put into {stream}.");
            return 0;
        }

        Console.WriteLine($"Done: {sent} records put into {stream}.");
        return 0;
    }

    private static async Task<long> PutLoopAsync(IKinesisClient kinesis, string stream, RecordTemplate template, Random random, double rate, long count, TimeProvider clock, long started, CancellationToken cancellationToken)
    {
        long sent = 0;
        long lastReport = started;
        while (count == 0 || sent < count)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new PutStoppedException(sent);
            }

            int batchSize = (int)Math.Min(Math.Min(500, Math.Max(1, rate / 5)), count == 0 ? 500 : count - sent);
            var entries = new List<PutRecordsRequestEntry>(batchSize);
            for (int i = 0; i < batchSize; i++)
            {
                byte[] data = Encoding.UTF8.GetBytes(template.Render(random, sent + i + 1, clock.GetUtcNow()));
                entries.Add(new PutRecordsRequestEntry { Data = new MemoryStream(data), PartitionKey = random.Next().ToString("x8", CultureInfo.InvariantCulture) });
            }

            try
            {
                await PutAllAsync(kinesis, stream, entries, clock, cancellationToken).ConfigureAwait(false);
                sent += batchSize;
                TimeSpan due = TimeSpan.FromSeconds(sent / rate) - clock.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, clock, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new PutStoppedException(sent);
            }

            if (clock.GetElapsedTime(lastReport) >= TimeSpan.FromSeconds(5))
            {
                lastReport = clock.GetTimestamp();
                Console.WriteLine($"{sent} records put ({sent / clock.GetElapsedTime(started).TotalSeconds:0} records/s).");
            }
        }

        return sent;
    }

    /// <summary>Puts the entries, putting again those Kinesis refused (throttled) until every one is in.</summary>
    private static async Task PutAllAsync(IKinesisClient kinesis, string stream, List<PutRecordsRequestEntry> entries, TimeProvider clock, CancellationToken cancellationToken)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(100);
        while (entries.Count > 0)
        {
            PutRecordsResponse response = await kinesis.PutRecordsAsync(new PutRecordsRequest { StreamName = stream, Records = entries }, cancellationToken).ConfigureAwait(false);
            if (response.FailedRecordCount == 0)
            {
                return;
            }

            entries = [.. entries.Where((_, i) => response.Records[i].ErrorCode is not null)];
            await Task.Delay(backoff, clock, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    private static IKinesisClient CreateKinesis(Dictionary<string, string> options) =>
        KinesisClient.Create(
            new KinesisClientOptions { Region = Region(options), ServiceUrl = Endpoint(options, "kinesis-endpoint", "DELIVERY_KINESIS_ENDPOINT") },
            AwsCredentialsResolver.ResolveDefault(),
            TimeProvider.System,
            NullLoggerFactory.Instance);

    private static string Region(Dictionary<string, string> options) =>
        options.GetValueOrDefault("region") ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";

    private static Uri? Endpoint(Dictionary<string, string> options, string option, string variable) =>
        (options.GetValueOrDefault(option) ?? Environment.GetEnvironmentVariable(variable)) is { Length: > 0 } url ? new Uri(url) : null;

    private static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out string? value) ? value : throw new ArgumentException($"--{name} is required.");

    private static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--option value' at '{args[i]}'.");
            }

            options[args[i][2..]] = args[i + 1];
        }

        return options;
    }
}

/// <summary>Ctrl-C or SIGTERM stopped putting; carries how many records were put (a batch in flight may or may not be).</summary>
internal sealed class PutStoppedException(long sent) : Exception($"Stopped after {sent} records.")
{
    public long Sent { get; } = sent;
}
