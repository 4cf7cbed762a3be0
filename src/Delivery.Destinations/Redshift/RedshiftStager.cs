using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;

namespace Delivery.Destinations.Redshift;

/// <summary>
/// Stages a batch for COPY: its records as one object in the intermediate bucket (through <see cref="S3BatchWriter"/>,
/// so under the same deterministic key on every attempt) and a manifest naming that object. On a load that fails for
/// good, copies the manifest under the error prefix so the batch can be loaded later by hand.
/// </summary>
public sealed class RedshiftStager
{
    private readonly S3BatchWriter _data;
    private readonly IAmazonS3 _s3;
    private readonly S3DestinationOptions _intermediate;
    private readonly S3ObjectKeyBuilder _manifestKeys;
    private readonly S3ObjectKeyBuilder _errorManifestKeys;

    public RedshiftStager(RedshiftDestinationOptions options, S3BatchWriter dataWriter, IAmazonS3 s3)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.IntermediateS3);
        _data = dataWriter ?? throw new ArgumentNullException(nameof(dataWriter));
        _s3 = s3 ?? throw new ArgumentNullException(nameof(s3));
        _intermediate = options.IntermediateS3;
        S3KeySettings.TryResolveTimeZone(_intermediate.CustomTimeZone, out TimeZoneInfo zone, out _);
        _manifestKeys = new S3ObjectKeyBuilder(_intermediate.Prefix + "manifests/", ".manifest", zone);
        _errorManifestKeys = new S3ObjectKeyBuilder(options.ErrorManifestPrefix, ".manifest", zone);
    }

    /// <summary>Writes the data object and then its manifest. Throws <see cref="DeliveryException"/> when S3 refuses either.</summary>
    public async Task<StagedBatch> StageAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _data.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        string dataKey = _data.KeyFor(batch);
        string manifest = Manifest($"s3://{_intermediate.BucketName}/{dataKey}");
        string manifestKey = _manifestKeys.Build(batch);
        await PutAsync(manifestKey, manifest, cancellationToken).ConfigureAwait(false);
        return new StagedBatch(_intermediate.BucketName, dataKey, manifestKey, manifest, _intermediate.CompressionFormat == CompressionFormat.Gzip);
    }

    /// <summary>Copies the batch's manifest under the error prefix; returns its key. Throws <see cref="DeliveryException"/> on failure.</summary>
    public async Task<string> WriteErrorManifestAsync(DeliveryBatch batch, StagedBatch staged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staged);
        string key = _errorManifestKeys.Build(batch);
        await PutAsync(key, staged.Manifest, cancellationToken).ConfigureAwait(false);
        return key;
    }

    /// <summary>A COPY manifest with one mandatory entry, so COPY fails rather than load nothing if the object is missing.</summary>
    public static string Manifest(params string[] urls) =>
        JsonSerializer.Serialize(new { entries = urls.Select(url => new { url, mandatory = true }) });

    private async Task PutAsync(string key, string text, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = _intermediate.BucketName,
            Key = key,
            ContentBody = text,
            ContentType = "application/json",
            UseChunkEncoding = false,
        };

        // A manifest lists the staged objects' keys: it is kept under the same encryption as they are.
        _intermediate.EncryptionConfiguration?.ApplyTo(request);
        try
        {
            await _s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested &&
            S3Failures.Classify(exception, "PutObject", _intermediate.BucketName, key) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>Reads a manifest back and returns its entries as (bucket, key) pairs.</summary>
    public static IReadOnlyList<(string Bucket, string Key)> ParseManifest(string manifest)
    {
        using JsonDocument document = JsonDocument.Parse(manifest);
        var entries = new List<(string, string)>();
        foreach (JsonElement entry in document.RootElement.GetProperty("entries").EnumerateArray())
        {
            string url = entry.GetProperty("url").GetString() ?? "";
            const string Scheme = "s3://";
            int slash = url.IndexOf('/', Scheme.Length);
            if (!url.StartsWith(Scheme, StringComparison.Ordinal) || slash < 0)
            {
                throw new FormatException($"Manifest entry '{url}' is not an s3://bucket/key URL.");
            }

            entries.Add((url[Scheme.Length..slash], url[(slash + 1)..]));
        }

        return entries;
    }
}
