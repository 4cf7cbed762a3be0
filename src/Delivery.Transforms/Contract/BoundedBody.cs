namespace Delivery.Transforms.Contract;

/// <summary>Reads a response body whole, but never more than a limit: a runaway transform must not exhaust the worker's memory.</summary>
internal static class BoundedBody
{
    /// <summary>
    /// Returns the body in a pooled buffer (the caller disposes it), or throws what <paramref name="tooLarge"/> makes of
    /// the byte count once it passes <paramref name="maxBytes"/>.
    /// </summary>
    public static async Task<PooledBufferWriter> ReadAsync(HttpContent content, long maxBytes, Func<long, Exception> tooLarge, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            throw tooLarge(declared);
        }

        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // A declared length sizes the buffer at once; otherwise it grows as the body comes.
            var buffer = new PooledBufferWriter((int)Math.Min(content.Headers.ContentLength + 1 ?? 16 * 1024, maxBytes + 1));
            try
            {
                while (true)
                {
                    int read = await stream.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return buffer;
                    }

                    buffer.Advance(read);
                    if (buffer.WrittenCount > maxBytes)
                    {
                        throw tooLarge(buffer.WrittenCount);
                    }
                }
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }
    }
}
