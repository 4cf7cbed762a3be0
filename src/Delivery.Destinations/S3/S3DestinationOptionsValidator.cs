using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;
using Microsoft.Extensions.Options;

namespace Delivery.Destinations.S3;

/// <summary>
/// Checks <see cref="S3DestinationOptions"/>: the DataAnnotations on it, then the rules attributes cannot say (bucket
/// naming, prefix expressions, an available codec, the delimiter's encoded size, the Parquet schema, encryption,
/// time zone and file extension). Every failure names its option.
/// </summary>
public sealed class S3DestinationOptionsValidator : IValidateOptions<S3DestinationOptions>
{
    private readonly S3DestinationOptionsAnnotationsValidator _annotations = new();
    private readonly CompressionCodecs _codecs;

    /// <summary>Creates a validator that accepts the formats of <paramref name="codecs"/> (default <see cref="CompressionCodecs.BuiltIn"/>).</summary>
    public S3DestinationOptionsValidator(CompressionCodecs? codecs = null)
    {
        _codecs = codecs ?? CompressionCodecs.BuiltIn;
    }

    public ValidateOptionsResult Validate(string? name, S3DestinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new ValidateOptionsResultBuilder();
        result.AddResult(_annotations.Validate(name, options));
        if (!string.IsNullOrEmpty(options.BucketName) && S3BucketNames.Problem(options.BucketName) is { } bucketProblem)
        {
            result.AddError($"'{options.BucketName}' is not a valid bucket name: {bucketProblem}.", nameof(S3DestinationOptions.BucketName));
        }

        if (options.Prefix is not null && !S3ObjectKeyBuilder.IsValidPrefix(options.Prefix, out string? prefixProblem))
        {
            result.AddError(prefixProblem!, nameof(S3DestinationOptions.Prefix));
        }

        if (Enum.IsDefined(options.CompressionFormat) && !_codecs.Supports(options.CompressionFormat))
        {
            result.AddError($"'{options.CompressionFormat}' has no codec available here.", nameof(S3DestinationOptions.CompressionFormat));
        }

        if (options.RecordDelimiter is not null && Encoding.UTF8.GetByteCount(options.RecordDelimiter) > NewlineDelimitedFormatter.MaxDelimiterBytes)
        {
            result.AddError($"the delimiter takes more than {NewlineDelimitedFormatter.MaxDelimiterBytes} UTF-8 bytes.", nameof(S3DestinationOptions.RecordDelimiter));
        }

        if (options.ConvertsFormat)
        {
            ValidateConversion(options, result);
        }

        foreach ((string setting, string problem) in S3EncryptionConfiguration.Problems(options.EncryptionConfiguration))
        {
            result.AddError(problem, $"{nameof(S3DestinationOptions.EncryptionConfiguration)}:{setting}");
        }

        if (!S3KeySettings.TryResolveTimeZone(options.CustomTimeZone, out _, out string? zoneProblem))
        {
            result.AddError(zoneProblem!, nameof(S3DestinationOptions.CustomTimeZone));
        }

        if (S3KeySettings.FileExtensionProblem(options.FileExtension) is { } extensionProblem)
        {
            result.AddError(extensionProblem, nameof(S3DestinationOptions.FileExtension));
        }

        return result.Build();
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The options types are referenced directly and keep their properties.")]
    private static void AddAnnotationErrors(object options, string path, ValidateOptionsResultBuilder result)
    {
        var failures = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), failures, validateAllProperties: true);
        foreach (ValidationResult failure in failures)
        {
            result.AddError(failure.ErrorMessage ?? "is invalid.", $"{path}:{failure.MemberNames.FirstOrDefault()}");
        }
    }

    private static void ValidateConversion(S3DestinationOptions options, ValidateOptionsResultBuilder result)
    {
        const string section = nameof(S3DestinationOptions.DataFormatConversion);
        DataFormatConversionOptions conversion = options.DataFormatConversion!;
        if (options.CompressionFormat != CompressionFormat.Uncompressed)
        {
            result.AddError(
                $"must be Uncompressed when {section} is enabled, as in Firehose: Parquet compresses its own pages (set {section}:Compression instead).",
                nameof(S3DestinationOptions.CompressionFormat));
        }

        AddAnnotationErrors(conversion, section, result);
        for (int i = 0; i < conversion.Columns.Count; i++)
        {
            ColumnOptions column = conversion.Columns[i];
            AddAnnotationErrors(column, $"{section}:Columns:{i}", result);
            if (string.IsNullOrWhiteSpace(column.Type))
            {
                continue;
            }

            try
            {
                _ = ParquetSchema.Create([new ParquetColumn(column.Name is { Length: > 0 } name ? name : "column", column.Type)]);
            }
            catch (ParquetSchemaException ex)
            {
                result.AddError($"value '{column.Type}' is invalid: {ex.InnerException?.Message ?? ex.Message}", $"{section}:Columns:{i}:Type");
            }
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < conversion.Columns.Count; i++)
        {
            string name = conversion.Columns[i].Name;
            if (!string.IsNullOrWhiteSpace(name) && !seen.TryAdd(name, i))
            {
                result.AddError($"'{name}' is also the name of column {seen[name]}; column names must differ ignoring case, as in Glue.", $"{section}:Columns:{i}:Name");
            }
        }

        if (!string.IsNullOrEmpty(conversion.CatchAllColumn) && seen.ContainsKey(conversion.CatchAllColumn))
        {
            result.AddError($"'{conversion.CatchAllColumn}' is also a column of the schema; the catch-all column needs a name of its own.", $"{section}:CatchAllColumn");
        }

        foreach (string mapped in conversion.OpenXJson.ColumnToJsonKeyMappings.Keys)
        {
            if (!seen.ContainsKey(mapped))
            {
                result.AddError($"names column '{mapped}', which is not in Columns.", $"{section}:OpenXJson:ColumnToJsonKeyMappings:{mapped}");
            }
        }

        if (JsonConversionOptions.TimestampFormatsProblem(conversion.TimestampFormats) is { } problem)
        {
            result.AddError(problem, $"{section}:TimestampFormats");
        }
    }
}

/// <summary>The DataAnnotations half of the validation, generated at compile time (no reflection at start).</summary>
[OptionsValidator]
internal sealed partial class S3DestinationOptionsAnnotationsValidator : IValidateOptions<S3DestinationOptions>
{
}
