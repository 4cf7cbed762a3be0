using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Backup;
using Delivery.Formats.Compression;
using Microsoft.Extensions.Logging;

namespace Delivery.Worker.Redrive;

/// <summary>
/// Redrives one pipeline's backup bucket: each unmarked failed-record object becomes one batch (its lines, in order)
/// that goes through the pipeline's processors and destination again; records refused again go back to the backup
/// bucket under <see cref="RedriveIds.FailedAgainRoot"/>; then, and only then, the object's marker is written. Objects
/// are done one at a time, so a stop loses at most the one in hand, and that one is redone under the same keys.
/// </summary>
internal sealed class Redriver
{
    private const string ErrorOutputTypeMetadata = "error-output-type";

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _pipeline;
    private readonly IBatchWriter? _writer;
    private readonly S3BackupWriter? _failedAgain;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="s3">Reads the backup bucket and writes markers there.</param>
    /// <param name="bucket">The pipeline's backup bucket.</param>
    /// <param name="pipeline">The pipeline's name: batches carry it, so objects are named as the worker names them.</param>
    /// <param name="writer">The pipeline's processors and destination; null for a dry run, which writes nothing.</param>
    /// <param name="failedAgain">Writes records refused again (an S3 backup writer under the failed-again prefix); null for a dry run.</param>
    /// <param name="time">Stamps markers.</param>
    /// <param name="logger">One line per object redriven or left.</param>
    public Redriver(IAmazonS3 s3, string bucket, string pipeline, IBatchWriter? writer, S3BackupWriter? failedAgain, TimeProvider time, ILogger logger)
    {
        _s3 = s3;
        _bucket = bucket;
        _pipeline = pipeline;
        _writer = writer;
        _failedAgain = failedAgain;
        _time = time;
        _logger = logger;
    }

    private bool DryRun => _writer is null;

    /// <summary>Redrives (or, dry, lists) the failed-record objects under <paramref name="listPrefix"/>, printing a line per object.</summary>
    public async Task<RedriveReport> RunAsync(string listPrefix, TextWriter output, CancellationToken cancellationToken)
    {
        List<string> keys = await ListAsync(listPrefix, cancellationToken).ConfigureAwait(false);
        List<string> markers = await ListAsync(RedriveIds.MarkerRoot + listPrefix, cancellationToken).ConfigureAwait(false);
        var report = new RedriveReport();
        foreach (PlannedObject planned in RedrivePlan.Create(listPrefix, keys, markers))
        {
            try
            {
                if (planned.AlreadyRedriven)
                {
                    RedriveMarker marker = await ReadMarkerAsync(planned.Key, cancellationToken).ConfigureAwait(false);
                    RedriveCounts counts = report.For(marker.ErrorOutputType);
                    counts.Objects++;
                    counts.Skipped += marker.Records;
                    await output.WriteLineAsync($"already redriven  {Uri(planned.Key)} ({marker.ErrorOutputType}, {marker.Records} records)").ConfigureAwait(false);
                    continue;
                }

                await RedriveObjectAsync(planned.Key, report, output, cancellationToken).ConfigureAwait(false);
            }
            catch (RedriveInputException ex)
            {
                report.Problems.Add(ex.Message);
            }
        }

        return report;
    }

    private async Task RedriveObjectAsync(string key, RedriveReport report, TextWriter output, CancellationToken cancellationToken)
    {
        (string? type, List<BackupLine> lines) = await ReadObjectAsync(key, cancellationToken).ConfigureAwait(false);
        if (type is null)
        {
            report.OtherObjects++;
            return;
        }

        RedriveCounts counts = report.For(type);
        counts.Objects++;
        if (DryRun)
        {
            counts.WouldRedrive += lines.Count;
            await output.WriteLineAsync($"would redrive     {Uri(key)} ({type}, {lines.Count} records)").ConfigureAwait(false);
            return;
        }

        DeliveryBatch? batch = lines.Count == 0
            ? null
            : new DeliveryBatch(_pipeline, RedriveIds.SourceOf(_bucket, key, lines[0].LineNumber, lines[^1].LineNumber), [.. lines.Select(line => line.ToSourceRecord())]);
        BatchWriteResult result;
        List<string> failedAgainKeys = [];
        try
        {
            result = batch is null ? BatchWriteResult.Delivered : await _writer!.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            foreach (IGrouping<string, FailedRecord> group in result.FailedRecords.GroupBy(record => record.ErrorOutputType, StringComparer.Ordinal))
            {
                await _failedAgain!.WriteFailedAsync(batch!, group.Key, [.. group.OrderBy(record => record.Index)], cancellationToken).ConfigureAwait(false);
                failedAgainKeys.Add(_failedAgain.KeyFor(batch!, group.Key));
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The destination (or the backup bucket) could not take the batch at all: nothing is marked, so the next run
            // sends the same batch, under the same id, again.
            Log.ObjectLeft(_logger, ex, _bucket, key);
            counts.Left += lines.Count;
            report.Problems.Add($"{Uri(key)}: not redriven, left for the next run: {ex.Message}");
            await output.WriteLineAsync($"left              {Uri(key)} ({type}, {lines.Count} records): {ex.Message}").ConfigureAwait(false);
            return;
        }

        int failed = result.FailedRecords.Count;
        var marker = new RedriveMarker(key, type, batch?.Id ?? "", lines.Count, lines.Count - failed, failed, failedAgainKeys, _time.GetUtcNow());
        await PutMarkerAsync(marker, cancellationToken).ConfigureAwait(false);
        counts.Delivered += lines.Count - failed;
        counts.FailedAgain += failed;
        Log.ObjectDone(_logger, _bucket, key, type, marker.BatchId, marker.Delivered, failed);
        await output.WriteLineAsync($"redriven          {Uri(key)} ({type}, {lines.Count} records: {marker.Delivered} delivered, {failed} failed again)").ConfigureAwait(false);
    }

    /// <summary>The object's error output type (null when it is not a failed-record object) and its lines, all parsed.</summary>
    private async Task<(string? Type, List<BackupLine> Lines)> ReadObjectAsync(string key, CancellationToken cancellationToken)
    {
        using GetObjectResponse stored = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        string? type = stored.Metadata[ErrorOutputTypeMetadata];
        if (string.IsNullOrEmpty(type))
        {
            return (null, []);
        }

        var lines = new List<BackupLine>();
        await using Stream decompressed = CodecFor(key).CreateDecompressor(stored.ResponseStream);
        using var reader = new StreamReader(decompressed, Encoding.UTF8);
        int number = 0;
        try
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                number++;
                if (line.Length > 0)
                {
                    lines.Add(BackupLine.Parse(Uri(key), number, line));
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RedriveInputException($"{Uri(key)} line {number + 1}: cannot be read as {CodecFor(key).Format} ({ex.Message}).");
        }

        return (type, lines);
    }

    private async Task<RedriveMarker> ReadMarkerAsync(string backupKey, CancellationToken cancellationToken)
    {
        string markerKey = RedriveIds.MarkerKey(backupKey);
        using GetObjectResponse stored = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = markerKey }, cancellationToken).ConfigureAwait(false);
        using var body = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
        return RedriveMarker.Parse(Uri(markerKey), body.ToArray());
    }

    private async Task PutMarkerAsync(RedriveMarker marker, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(marker.ToJson());
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = RedriveIds.MarkerKey(marker.BackupKey),
            InputStream = body,
            ContentType = "application/json",
            UseChunkEncoding = false,
        };
        request.Metadata.Add("delivery-stream", _pipeline);
        request.Metadata.Add("batch-id", marker.BatchId);
        await _s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await _s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            keys.AddRange((page.S3Objects ?? []).Select(entry => entry.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    // Backup objects are named with their codec's extension; the one they were written with may differ from today's setting.
    private static ICompressionCodec CodecFor(string key) =>
        CompressionCodecs.BuiltIn.SupportedFormats
            .Select(format => CompressionCodecs.BuiltIn.Create(format))
            .Where(codec => codec.FileExtension.Length > 0 && key.EndsWith(codec.FileExtension, StringComparison.Ordinal))
            .MaxBy(codec => codec.FileExtension.Length)
        ?? CompressionCodecs.BuiltIn.Create(CompressionFormat.Uncompressed);

    private string Uri(string key) => $"s3://{_bucket}/{key}";
}
