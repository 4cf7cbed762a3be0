namespace Delivery.Destinations.Redshift;

/// <summary>A batch staged in the intermediate bucket: its data object and the COPY manifest that names it.</summary>
/// <param name="Bucket">The intermediate bucket.</param>
/// <param name="DataKey">The staged records (NDJSON, compressed as configured).</param>
/// <param name="ManifestKey">The manifest <c>{"entries":[{"url":"s3://bucket/dataKey","mandatory":true}]}</c>.</param>
/// <param name="Manifest">The manifest's text, as written.</param>
/// <param name="Gzip">True when the data object is gzip.</param>
public sealed record StagedBatch(string Bucket, string DataKey, string ManifestKey, string Manifest, bool Gzip)
{
    public string ManifestUrl => $"s3://{Bucket}/{ManifestKey}";
}
