using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// An <see cref="IAmazonS3"/> that takes the finished objects of the real <c>S3BatchWriter</c> in memory, so the writer's
/// whole path (key, NDJSON formatting, compression, pooled buffers, metadata) runs as in production and only the network
/// is left out. It reads every body to its end, as an HTTP client would, then either keeps the object (to verify the
/// content) or only counts it, so that the memory figures are those of Delivery and not of the benchmark.
/// </summary>
public class InMemoryS3 : DispatchProxy
{
    private readonly ConcurrentDictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, byte[]>> _uploads = new(StringComparer.Ordinal);
    private long _objectCount;
    private long _objectBytes;
    private long _records;

    /// <summary>Keep every object's bytes (for <see cref="Objects"/>); otherwise bodies are read and discarded.</summary>
    public bool KeepObjects { get; set; }

    /// <summary>
    /// Sees every finished object (bytes as stored, metadata) as it is stored, kept or not: for figures per object,
    /// without keeping them all in memory.
    /// </summary>
    public Action<StoredObject>? Inspect { get; set; }

    private bool KeepBodies => KeepObjects || Inspect is not null;

    public long ObjectCount => Interlocked.Read(ref _objectCount);

    /// <summary>Bytes of the objects as stored, that is after compression.</summary>
    public long ObjectBytes => Interlocked.Read(ref _objectBytes);

    /// <summary>The sum of the objects' record-count metadata.</summary>
    public long Records => Interlocked.Read(ref _records);

    public IReadOnlyDictionary<string, StoredObject> Objects => _objects;

    public static (IAmazonS3 Client, InMemoryS3 Store) Create()
    {
        IAmazonS3 client = Create<IAmazonS3, InMemoryS3>();
        return (client, (InMemoryS3)(object)client);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        object? request = args is { Length: > 0 } ? args[0] : null;
        return request switch
        {
            PutObjectRequest put => Task.FromResult(Put(put)),
            InitiateMultipartUploadRequest initiate => Task.FromResult(Initiate(initiate)),
            UploadPartRequest part => Task.FromResult(UploadPart(part)),
            CompleteMultipartUploadRequest complete => Task.FromResult(Complete(complete)),
            AbortMultipartUploadRequest abort => Task.FromResult(Abort(abort)),
            _ => throw new NotSupportedException($"The in-memory S3 does not implement {targetMethod.Name}."),
        };
    }

    private PutObjectResponse Put(PutObjectRequest request)
    {
        byte[]? body = Drain(request.InputStream, long.MaxValue);
        Store(request.Key, body, request.InputStream.Length, request.Metadata);
        return new PutObjectResponse { ETag = "\"put\"" };
    }

    private InitiateMultipartUploadResponse Initiate(InitiateMultipartUploadRequest request)
    {
        string uploadId = Guid.NewGuid().ToString("N");
        _uploads[uploadId] = new ConcurrentDictionary<int, byte[]>();
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string key in request.Metadata.Keys)
        {
            metadata[key] = request.Metadata[key];
        }

        _pendingMetadata[uploadId] = metadata;
        return new InitiateMultipartUploadResponse { UploadId = uploadId, Key = request.Key, BucketName = request.BucketName };
    }

    private readonly ConcurrentDictionary<string, Dictionary<string, string>> _pendingMetadata = new(StringComparer.Ordinal);

    private UploadPartResponse UploadPart(UploadPartRequest request)
    {
        long size = request.PartSize ?? (request.InputStream.Length - request.InputStream.Position);
        byte[] part = Drain(request.InputStream, size) ?? [];
        _uploads[request.UploadId][request.PartNumber ?? 1] = KeepBodies ? part : BitConverter.GetBytes(size);
        return new UploadPartResponse { ETag = "\"part\"", PartNumber = request.PartNumber };
    }

    private CompleteMultipartUploadResponse Complete(CompleteMultipartUploadRequest request)
    {
        _uploads.TryRemove(request.UploadId, out ConcurrentDictionary<int, byte[]>? parts);
        _pendingMetadata.TryRemove(request.UploadId, out Dictionary<string, string>? metadata);
        byte[][] ordered = [.. parts!.OrderBy(p => p.Key).Select(p => p.Value)];
        long length = KeepBodies ? ordered.Sum(p => (long)p.Length) : ordered.Sum(p => BitConverter.ToInt64(p));
        Store(request.Key, KeepBodies ? [.. ordered.SelectMany(p => p)] : null, length, metadata!);
        return new CompleteMultipartUploadResponse { Key = request.Key, ETag = "\"multipart\"" };
    }

    private AbortMultipartUploadResponse Abort(AbortMultipartUploadRequest request)
    {
        _uploads.TryRemove(request.UploadId, out _);
        _pendingMetadata.TryRemove(request.UploadId, out _);
        return new AbortMultipartUploadResponse();
    }

    private byte[]? Drain(Stream stream, long count)
    {
        // Reading the body is what an HTTP client does with it; a pooled scratch buffer keeps that from allocating.
        var kept = KeepBodies ? new MemoryStream() : null;
        byte[] scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long left = count;
            int read;
            while (left > 0 && (read = stream.Read(scratch, 0, (int)Math.Min(scratch.Length, left))) > 0)
            {
                kept?.Write(scratch, 0, read);
                left -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
        }

        return kept?.ToArray();
    }

    private void Store(string key, byte[]? body, long length, MetadataCollection metadata)
    {
        var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in metadata.Keys)
        {
            copy[name] = metadata[name];
        }

        Store(key, body, length, copy);
    }

    private void Store(string key, byte[]? body, long length, Dictionary<string, string> metadata)
    {
        // The SDK reports metadata names with their x-amz-meta- prefix; strip it so lookups read like the writer's.
        var clean = metadata.ToDictionary(
            pair => pair.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? pair.Key["x-amz-meta-".Length..] : pair.Key,
            pair => pair.Value,
            StringComparer.OrdinalIgnoreCase);
        long records = long.Parse(clean["record-count"], CultureInfo.InvariantCulture);
        if (KeepBodies)
        {
            var stored = new StoredObject(key, body!, clean);
            Inspect?.Invoke(stored);
            if (KeepObjects)
            {
                _objects[key] = stored;
            }
        }

        Interlocked.Increment(ref _objectCount);
        Interlocked.Add(ref _objectBytes, length);
        Interlocked.Add(ref _records, records);
    }
}

/// <summary>An object the in-memory S3 kept: its bytes as stored and its user metadata (without the x-amz-meta- prefix).</summary>
public sealed record StoredObject(string Key, byte[] Body, IReadOnlyDictionary<string, string> Metadata);
