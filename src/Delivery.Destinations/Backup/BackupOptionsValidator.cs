using Delivery.Destinations.S3;
using Microsoft.Extensions.Options;

namespace Delivery.Destinations.Backup;

/// <summary>Checks <see cref="BackupOptions"/>: annotations, bucket naming, the prefixes' expressions and encryption.</summary>
public sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    private readonly BackupOptionsAnnotationsValidator _annotations = new();

    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new ValidateOptionsResultBuilder();
        result.AddResult(_annotations.Validate(name, options));
        if (!string.IsNullOrEmpty(options.BucketName) && S3BucketNames.Problem(options.BucketName) is { } bucketProblem)
        {
            result.AddError($"'{options.BucketName}' is not a valid bucket name: {bucketProblem}.", nameof(BackupOptions.BucketName));
        }

        if (options.ErrorOutputPrefix is not null && !S3ObjectKeyBuilder.IsValidErrorOutputPrefix(options.ErrorOutputPrefix, out string? problem))
        {
            result.AddError(problem!, nameof(BackupOptions.ErrorOutputPrefix));
        }

        if (options.Prefix is not null && !S3ObjectKeyBuilder.IsValidPrefix(options.Prefix, out string? prefixProblem))
        {
            result.AddError(prefixProblem!, nameof(BackupOptions.Prefix));
        }

        foreach ((string setting, string encryptionProblem) in S3EncryptionConfiguration.Problems(options.EncryptionConfiguration))
        {
            result.AddError(encryptionProblem, $"{nameof(BackupOptions.EncryptionConfiguration)}:{setting}");
        }

        return result.Build();
    }
}

/// <summary>The DataAnnotations half of the validation, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class BackupOptionsAnnotationsValidator : IValidateOptions<BackupOptions>
{
}
