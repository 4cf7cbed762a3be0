using System.Net;
using Microsoft.IO;

namespace Delivery.Destinations.Requests;

/// <summary>
/// A request body encoded once into a pooled stream and sent from its start on every attempt without copying; the
/// content does not own the stream.
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
