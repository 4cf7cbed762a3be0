using Amazon.Runtime;
using Delivery.Aws;
using Delivery.Aws.Credentials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Delivery.Kinesis.Client;

/// <summary>Registers <see cref="IKinesisClient"/>: the one registration an AWSSDK.Kinesis adapter would replace.</summary>
public static class KinesisClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="KinesisClient"/> as <see cref="IKinesisClient"/>. Region and endpoint come from
    /// <see cref="AwsOptions"/> (<c>Delivery:Aws</c>, bound by the host) unless <paramref name="configure"/> sets them.
    /// Credentials are the registered <see cref="AWSCredentials"/>, or the SDK default chain when none is registered;
    /// the clock is the registered <see cref="TimeProvider"/>, or the system clock. Options are validated at start.
    /// </summary>
    public static IServiceCollection AddKinesisClient(this IServiceCollection services, Action<KinesisClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<KinesisClientOptions>()
            .Configure<IOptions<AwsOptions>>(static (options, aws) =>
            {
                options.Region = aws.Value.Region;
                options.ServiceUrl = aws.Value.ServiceUrls.Kinesis;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AWSCredentials>(static _ => AwsCredentialsResolver.ResolveDefault());
        services.TryAddSingleton<IKinesisClient>(static sp => KinesisClient.Create(
            sp.GetRequiredService<IOptions<KinesisClientOptions>>().Value,
            sp.GetRequiredService<AWSCredentials>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        return services;
    }
}
