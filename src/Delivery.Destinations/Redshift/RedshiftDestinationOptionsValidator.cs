using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Delivery.Destinations.Redshift;

/// <summary>
/// Checks <see cref="RedshiftDestinationOptions"/>: its DataAnnotations, the intermediate bucket's S3 rules (reported as
/// <c>IntermediateS3:&lt;setting&gt;</c>), identifiers, and the connection string's syntax. No message quotes the
/// connection string, which holds the password.
/// </summary>
public sealed class RedshiftDestinationOptionsValidator : IValidateOptions<RedshiftDestinationOptions>
{
    private readonly RedshiftDestinationOptionsAnnotationsValidator _annotations = new();

    public ValidateOptionsResult Validate(string? name, RedshiftDestinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new ValidateOptionsResultBuilder();
        result.AddResult(_annotations.Validate(name, options));
        ValidateConnectionString(options.ConnectionString, result);
        if (!string.IsNullOrEmpty(options.Table) && !CopyStatements.IsTableName(options.Table))
        {
            result.AddError($"'{options.Table}' is not a plain table name: use name or schema.name, each of letters, digits, '_' and '$', starting with a letter or '_'.", nameof(RedshiftDestinationOptions.Table));
        }

        ValidateColumns(options, result);
        if (options.CopyOptions.Contains(';', StringComparison.Ordinal))
        {
            result.AddError("';' is not allowed: the options continue one COPY statement.", nameof(RedshiftDestinationOptions.CopyOptions));
        }

        if (options.IamRoleArn is { Length: > 0 } role && (!role.StartsWith("arn:", StringComparison.Ordinal) || role.Contains('\\', StringComparison.Ordinal)))
        {
            result.AddError($"'{role}' is not an IAM role ARN such as arn:aws:iam::123456789012:role/redshift-copy.", nameof(RedshiftDestinationOptions.IamRoleArn));
        }

        if (!S3ObjectKeyBuilder.IsValidPrefix(options.ErrorManifestPrefix, out string? prefixProblem) || options.ErrorManifestPrefix.Contains('\\', StringComparison.Ordinal))
        {
            result.AddError(prefixProblem ?? "a backslash cannot appear in a COPY manifest URL.", nameof(RedshiftDestinationOptions.ErrorManifestPrefix));
        }

        if (options.IntermediateS3 is { } intermediate)
        {
            ValidateIntermediate(intermediate, result);
        }

        return result.Build();
    }

    private static void ValidateConnectionString(string connectionString, ValidateOptionsResultBuilder result)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrEmpty(builder.Host))
            {
                result.AddError("it names no Host.", nameof(RedshiftDestinationOptions.ConnectionString));
            }
        }
        catch (ArgumentException exception)
        {
            // The parser's message names the keyword, not the value.
            result.AddError($"it is not an Npgsql connection string: {exception.Message}", nameof(RedshiftDestinationOptions.ConnectionString));
        }
    }

    private static void ValidateColumns(RedshiftDestinationOptions options, ValidateOptionsResultBuilder result)
    {
        foreach ((string setting, List<string> names) in new[] { (nameof(options.Columns), options.Columns), (nameof(options.KeyColumns), options.KeyColumns) })
        {
            foreach (string column in names.Where(c => !CopyStatements.IsIdentifier(c)))
            {
                result.AddError($"'{column}' is not a plain column name (letters, digits, '_' and '$', starting with a letter or '_').", setting);
            }
        }

        if (options.Columns.Count > 0)
        {
            foreach (string key in options.KeyColumns.Where(k => !options.Columns.Contains(k, StringComparer.OrdinalIgnoreCase)))
            {
                result.AddError($"'{key}' is not among Columns, so COPY would never fill it.", nameof(RedshiftDestinationOptions.KeyColumns));
            }
        }
    }

    private static void ValidateIntermediate(S3DestinationOptions intermediate, ValidateOptionsResultBuilder result)
    {
        const string Path = nameof(RedshiftDestinationOptions.IntermediateS3) + ":";
        ValidateOptionsResult s3 = new S3DestinationOptionsValidator().Validate(null, intermediate);
        foreach (string failure in s3.Failed ? s3.Failures : [])
        {
            // The S3 validator reports "Property <Name>: <message>"; keep the setting's path under IntermediateS3.
            const string Marker = "Property ";
            int colon = failure.IndexOf(": ", StringComparison.Ordinal);
            if (failure.StartsWith(Marker, StringComparison.Ordinal) && colon > Marker.Length)
            {
                result.AddError(failure[(colon + 2)..], Path + failure[Marker.Length..colon]);
            }
            else
            {
                result.AddError(failure, Path.TrimEnd(':'));
            }
        }

        if (intermediate.CompressionFormat is not (CompressionFormat.Gzip or CompressionFormat.Uncompressed))
        {
            result.AddError($"'{intermediate.CompressionFormat}' cannot be loaded by COPY here; use Gzip or Uncompressed.", Path + nameof(S3DestinationOptions.CompressionFormat));
        }

        if (intermediate.DataFormatConversion is { Enabled: true })
        {
            result.AddError("batches are staged as records for COPY to parse with CopyOptions; Parquet staging is not supported.", Path + nameof(S3DestinationOptions.DataFormatConversion));
        }

        if (intermediate.S3BackupMode != SourceRecordBackup.Disabled)
        {
            result.AddError("set S3BackupMode on Redshift itself; the intermediate bucket only stages batches.", Path + nameof(S3DestinationOptions.S3BackupMode));
        }

        if (intermediate.Prefix.Contains('\\', StringComparison.Ordinal))
        {
            result.AddError("a backslash cannot appear in a COPY manifest URL.", Path + nameof(S3DestinationOptions.Prefix));
        }
    }
}

/// <summary>The DataAnnotations half of the validation, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class RedshiftDestinationOptionsAnnotationsValidator : IValidateOptions<RedshiftDestinationOptions>
{
}
