using System.Buffers;

namespace Delivery.Transforms.Contract;

/// <summary>Reads a response body whole, but never more than a limit: a runaway transform must not exhaust the worker's memory.</summary>
internal static class BoundedBody
{
    /// <summary>Returns the body, or throws what <paramref name="tooLarge"/> makes of the byte count once it passes <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]> ReadAsync(HttpContent content, long maxBytes, Func<long, Exception> tooLarge, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            throw tooLarge(declared);
        }

        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new ArrayBufferWriter<byte>(16 * 1024);
            while (true)
            {
                int read = await stream.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer.WrittenSpan.ToArray();
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > maxBytes)
                {
                    throw tooLarge(buffer.WrittenCount);
                }
            }
        }
    }
}
