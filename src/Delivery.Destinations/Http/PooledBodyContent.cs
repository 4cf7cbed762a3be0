using System.Net;
using Microsoft.IO;

namespace Delivery.Destinations.Http;

/// <summary>
/// Sends a pooled body from its start on every attempt without copying it; the request does not own it, so the same
/// body serves every retry and is disposed by whoever encoded it.
/// </summary>
internal sealed class PooledBodyContent(RecyclableMemoryStream body) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        body.Position = 0;
        await body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }
}
