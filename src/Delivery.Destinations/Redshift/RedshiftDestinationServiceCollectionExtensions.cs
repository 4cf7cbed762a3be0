using Amazon.Runtime;
using Amazon.S3;
using Delivery.Destinations.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Delivery.Destinations.Redshift;

/// <summary>
/// Wiring for the Redshift destination: one <see cref="NpgsqlDataSource"/> (connection pool) per pipeline, registered
/// under the pipeline's name so the container disposes it, and a writer per pipeline from <see cref="CreateRedshiftBatchWriter"/>.
/// </summary>
public static class RedshiftDestinationServiceCollectionExtensions
{
    /// <summary>Registers the pipeline's data source and the options validator.</summary>
    public static IServiceCollection AddRedshiftDestination(this IServiceCollection services, string pipelineName, RedshiftDestinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedshiftDestinationOptions>, RedshiftDestinationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddKeyedSingleton(pipelineName, (sp, _) => CreateDataSource(options, sp.GetService<ILoggerFactory>()));
        return services;
    }

    /// <summary>The connection pool for <paramref name="options"/>, logging through <paramref name="loggerFactory"/> when given.</summary>
    public static NpgsqlDataSource CreateDataSource(RedshiftDestinationOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Build();
    }

    /// <summary>Creates the writer of one pipeline: its stager on the intermediate bucket, its loader, and the pipeline's data source.</summary>
    public static RedshiftBatchWriter CreateRedshiftBatchWriter(
        this IServiceProvider services, string pipelineName, RedshiftDestinationOptions options, IAmazonS3 s3, AWSCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var stager = new RedshiftStager(options, services.CreateS3BatchWriter(options.IntermediateS3!, s3), s3);
        ICopyLoader loader = options.Loader == RedshiftLoader.PostgreSqlCopyFromStdin
            ? new PostgreSqlCopyLoader(options, s3)
            : new RedshiftCopyLoader(options, credentials);
        return new RedshiftBatchWriter(
            options,
            stager,
            services.GetRequiredKeyedService<NpgsqlDataSource>(pipelineName),
            loader,
            services.GetRequiredService<ILogger<RedshiftBatchWriter>>(),
            services.GetService<TimeProvider>());
    }
}
