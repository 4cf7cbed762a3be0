using System.IO.Compression;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Npgsql;

namespace Delivery.Destinations.Redshift;

/// <summary>
/// For PostgreSQL, which cannot read S3: streams every object the manifest names from the intermediate bucket into
/// <c>COPY ... FROM STDIN</c>, decompressing gzip on the way. Nothing is held in memory beyond a buffer. A failure
/// mid-stream cancels the COPY, and the caller's transaction rolls back.
/// </summary>
public sealed class PostgreSqlCopyLoader(RedshiftDestinationOptions options, IAmazonS3 s3) : ICopyLoader
{
    private const int BufferChars = 64 * 1024;

    public async Task LoadAsync(NpgsqlConnection connection, string target, StagedBatch staged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(staged);
        string sql = CopyStatements.PostgreSqlCopyFromStdin(target, options.Columns, options.CopyOptions);
        IReadOnlyList<(string Bucket, string Key)> entries = RedshiftStager.ParseManifest(staged.Manifest);
        var import = (NpgsqlCopyTextWriter)await connection.BeginTextImportAsync(sql, cancellationToken).ConfigureAwait(false);
        try
        {
            char[] buffer = new char[BufferChars];
            foreach ((string bucket, string key) in entries)
            {
                await StreamObjectAsync(bucket, key, staged.Gzip, import, buffer, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // Cancelling sends CopyFail, so the server discards what was streamed, and ends the import; disposing it
            // afterwards would throw. The caller's transaction then rolls back.
            await import.CancelAsync().ConfigureAwait(false);
            throw;
        }

        // Disposing completes the COPY; the server reports a bad row here.
        await import.DisposeAsync().ConfigureAwait(false);
    }

    private async Task StreamObjectAsync(string bucket, string key, bool gzip, TextWriter import, char[] buffer, CancellationToken cancellationToken)
    {
        GetObjectResponse response;
        try
        {
            response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && S3Failures.Classify(exception, "GetObject", bucket, key) is { } failure)
        {
            throw failure;
        }

        using (response)
        {
            Stream body = gzip ? new GZipStream(response.ResponseStream, CompressionMode.Decompress) : response.ResponseStream;
            using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, BufferChars);
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await import.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
