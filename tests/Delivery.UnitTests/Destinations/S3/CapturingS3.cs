using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Destinations.S3;

/// <summary>
/// A fake S3 that accepts every PUT and keeps each object, for tests that look at what a batch wrote: keys in order,
/// bodies as Latin-1 text (one character per byte, so bodies compare and search byte for byte).
/// </summary>
internal sealed class CapturingS3
{
    private readonly List<(string Key, string Body)> _objects = [];
    private readonly IAmazonS3 _client;

    public CapturingS3()
    {
        (_client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>(async (request, _) =>
        {
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            lock (_objects)
            {
                _objects.Add((request.Key, Encoding.Latin1.GetString(body.ToArray())));
            }

            return new PutObjectResponse();
        });
    }

    /// <summary>Every object put, ordered by key.</summary>
    public List<(string Key, string Body)> Objects
    {
        get
        {
            lock (_objects)
            {
                return [.. _objects.OrderBy(item => item.Key, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>A writer that puts into this fake.</summary>
    public S3BatchWriter Writer(S3DestinationOptions options) => new(options, _client, NullLogger<S3BatchWriter>.Instance, timeProvider: new FakeTimeProvider());
}
