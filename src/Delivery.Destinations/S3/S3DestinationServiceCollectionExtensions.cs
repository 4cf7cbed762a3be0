using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Delivery.Destinations.S3;

/// <summary>
/// Wiring for the S3 destination. Pipelines are configured by name, so the host registers the shared pieces once and
/// creates one writer per pipeline with <see cref="CreateS3BatchWriter"/>.
/// </summary>
public static class S3DestinationServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="S3DestinationOptionsValidator"/> for every (named) <see cref="S3DestinationOptions"/>, so
    /// <c>ValidateOnStart</c> rejects a bad configuration at start, and <see cref="TimeProvider.System"/> unless the host
    /// registered a clock. Writers share one pooled <see cref="RecyclableMemoryStreamManager"/> unless the host registers one.
    /// </summary>
    public static IServiceCollection AddS3Destination(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3DestinationOptions>, S3DestinationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>Creates the writer of one pipeline from its options and S3 client, with the container's logging, pool and clock.</summary>
    public static S3BatchWriter CreateS3BatchWriter(this IServiceProvider services, S3DestinationOptions options, IAmazonS3 s3)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new S3BatchWriter(
            options,
            s3,
            services.GetRequiredService<ILogger<S3BatchWriter>>(),
            services.GetService<RecyclableMemoryStreamManager>(),
            services.GetService<TimeProvider>());
    }
}
