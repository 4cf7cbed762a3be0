using Amazon.Runtime;
using Npgsql;

namespace Delivery.Destinations.Redshift;

/// <summary>
/// Redshift reads the staged objects itself: <c>COPY ... FROM 's3://.../manifest' &lt;auth&gt; MANIFEST ...</c>. With no IAM
/// role configured the worker's current credentials are put into the statement, so the statement text is never logged.
/// </summary>
public sealed class RedshiftCopyLoader(RedshiftDestinationOptions options, AWSCredentials? credentials) : ICopyLoader
{
    public async Task LoadAsync(NpgsqlConnection connection, string target, StagedBatch staged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(staged);
        CopyAuthorization authorization = await AuthorizationAsync().ConfigureAwait(false);
        string sql = CopyStatements.RedshiftCopy(new CopySource(target, staged.ManifestUrl, staged.Gzip), options.Columns, authorization, options.CopyOptions);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = options.CommandTimeoutSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<CopyAuthorization> AuthorizationAsync()
    {
        if (!string.IsNullOrEmpty(options.IamRoleArn))
        {
            return new CopyAuthorization(options.IamRoleArn);
        }

        if (credentials is null)
        {
            throw new InvalidOperationException("Redshift COPY needs IamRoleArn or the worker's AWS credentials; neither is available.");
        }

        ImmutableCredentials current = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        return new CopyAuthorization(null, current.AccessKey, current.SecretKey, current.UseToken ? current.Token : null);
    }
}
