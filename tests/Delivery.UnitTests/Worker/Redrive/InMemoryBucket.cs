using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.UnitTests.Destinations.S3;

namespace Delivery.UnitTests.Worker.Redrive;

/// <summary>One bucket in memory behind <see cref="FakeS3"/>: puts, gets (with metadata) and listings by prefix, nothing else.</summary>
internal sealed class InMemoryBucket
{
    private readonly FakeS3 _fake;

    public InMemoryBucket()
    {
        (Client, _fake) = FakeS3.Create();
        _fake.On<PutObjectRequest, PutObjectResponse>(async (request, ct) =>
        {
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body, ct);
            lock (Objects)
            {
                Objects[request.Key] = new StoredObject(body.ToArray(), request.Metadata.Keys.ToDictionary(key => key, key => request.Metadata[key]));
            }

            return new PutObjectResponse { HttpStatusCode = HttpStatusCode.OK };
        });
        _fake.On<ListObjectsV2Request, ListObjectsV2Response>((request, _) => Task.FromResult(new ListObjectsV2Response
        {
            S3Objects = [.. Objects.Keys.Where(key => key.StartsWith(request.Prefix ?? "", StringComparison.Ordinal)).Select(key => new S3Object { Key = key })],
            IsTruncated = false,
        }));
        _fake.On<GetObjectRequest, GetObjectResponse>((request, _) =>
        {
            if (!Objects.TryGetValue(request.Key, out StoredObject? stored))
            {
                throw new AmazonS3Exception("The specified key does not exist.") { ErrorCode = "NoSuchKey", StatusCode = HttpStatusCode.NotFound };
            }

            var response = new GetObjectResponse { ResponseStream = new MemoryStream(stored.Body), HttpStatusCode = HttpStatusCode.OK };
            foreach ((string key, string value) in stored.Metadata)
            {
                response.Metadata.Add(key, value);
            }

            return Task.FromResult(response);
        });
    }

    public IAmazonS3 Client { get; }

    public SortedDictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);

    /// <summary>How many objects were written: a run that changes nothing leaves it where it was.</summary>
    public int Puts => _fake.Calls.Count(call => call == nameof(IAmazonS3.PutObjectAsync));
}

internal sealed record StoredObject(byte[] Body, Dictionary<string, string> Metadata);
