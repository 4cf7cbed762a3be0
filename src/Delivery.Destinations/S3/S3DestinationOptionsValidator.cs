using System.Text;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;
using Microsoft.Extensions.Options;

namespace Delivery.Destinations.S3;

/// <summary>
/// Checks <see cref="S3DestinationOptions"/>: the DataAnnotations on it, then the rules attributes cannot say (bucket
/// naming, prefix expressions, an available codec, the delimiter's encoded size). Every failure names its option.
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

        return result.Build();
    }
}

/// <summary>The DataAnnotations half of the validation, generated at compile time (no reflection at start).</summary>
[OptionsValidator]
internal sealed partial class S3DestinationOptionsAnnotationsValidator : IValidateOptions<S3DestinationOptions>
{
}
