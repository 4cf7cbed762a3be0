using Amazon.S3;
using Delivery.Destinations.Backup;
using Delivery.Worker.Configuration;
using Delivery.Worker.Hosting;
using Delivery.Worker.Redrive;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// <c>redrive --pipeline NAME [--from PREFIX] [--dry-run]</c>: sends the failed records in a pipeline's backup bucket
/// through its processors and destination again, built exactly as the worker builds them
/// (<see cref="DestinationWiring.CreateProcessingWriterAsync"/>). Exit 0 when every object read was redriven or skipped,
/// 1 when a destination could not take an object (it is left for the next run), 2 for bad arguments, configuration or
/// backup objects (each named with its key and line).
/// </summary>
internal static class RedriveVerb
{
    /// <summary>The verb's synopsis, as <c>--help</c>, the docs and usage errors give it.</summary>
    public const string Synopsis = "redrive --pipeline NAME [--from PREFIX] [--dry-run]";

    private const string PipelineOption = "--pipeline";
    private const string FromOption = "--from";

    /// <summary>
    /// Keeps <c>--dry-run</c> from being read by the configuration's command-line provider as the setting <c>dry-run</c>
    /// with the next argument as its value.
    /// </summary>
    public static string[] Normalize(string[] args) => [.. args.Select((arg, i) => i > 0 && arg == "--dry-run" ? "dry-run" : arg)];

    /// <param name="args">The whole command line, verb first.</param>
    /// <param name="configuration">The configuration, built as the worker builds it.</param>
    /// <param name="output">Receives a line per object and the counts.</param>
    /// <param name="error">Receives usage and configuration errors.</param>
    /// <param name="configureServices">Lets tests replace registrations (credentials, the clock) before the container is built.</param>
    /// <param name="cancellationToken">Stops between S3 calls; the object in hand is redone by the next run.</param>
    public static async Task<int> RunAsync(
        string[] args,
        IConfiguration configuration,
        TextWriter output,
        TextWriter error,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default)
    {
        if (!VerbArguments.TryParse(args.AsSpan(1), [PipelineOption, FromOption], ["dry-run", "--dry-run"], out Dictionary<string, string> values, out List<string> flags, out string? problem)
            || !values.TryGetValue(PipelineOption, out string? name))
        {
            await error.WriteLineAsync($"redrive: {problem ?? "--pipeline NAME is required."} Usage: Delivery.Worker {Synopsis} (also --config FILE, --Delivery:Key=value).").ConfigureAwait(false);
            return 2;
        }

        DeliveryOptions options;
        try
        {
            options = DeliveryOptionsLoader.Load(configuration);
        }
        catch (InvalidDeliveryConfigurationException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }

        if (!options.Pipelines.TryGetValue(name, out PipelineOptions? pipeline))
        {
            await error.WriteLineAsync($"redrive: no pipeline '{name}' in the configuration (Delivery:Pipelines has {string.Join(", ", options.Pipelines.Keys.Select(key => $"'{key}'"))}).").ConfigureAwait(false);
            return 2;
        }

        BackupOptions backup = pipeline.EffectiveBackup();
        string listPrefix;
        try
        {
            listPrefix = RedrivePlan.ListPrefix(backup.ErrorOutputPrefix, values.GetValueOrDefault(FromOption));
        }
        catch (RedriveInputException ex)
        {
            await error.WriteLineAsync("redrive: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        bool dryRun = flags.Count > 0;
        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddSimpleConsole(console => console.SingleLine = true)

            // Logs go to stderr, so stdout holds only the per-object lines and the counts, for scripts and pipes.
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter("Delivery.Worker.Redrive", LogLevel.Warning)
            .SetMinimumLevel(LogLevel.Warning));
        services.AddDeliveryDestinations(options);
        configureServices?.Invoke(services);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IBatchWriter? writer = null;
        try
        {
            TimeProvider time = provider.GetRequiredService<TimeProvider>();
            IAmazonS3 s3 = provider.GetRequiredService<IAmazonS3>();

            // A dry run builds no destination: it loads no plugin and opens no connection beyond reading the backup bucket.
            writer = dryRun ? null : await DestinationWiring.CreateProcessingWriterAsync(provider, options, name, pipeline, telemetry: null).ConfigureAwait(false);
            BackupOptions failedAgainOptions = backup.WithBucketName(backup.BucketName!);
            failedAgainOptions.ErrorOutputPrefix = RedriveIds.FailedAgainPrefix(backup.ErrorOutputPrefix);
            S3BackupWriter? failedAgain = dryRun ? null : new S3BackupWriter(failedAgainOptions, s3, time, provider.GetRequiredService<ILogger<S3BackupWriter>>());
            var redriver = new Redriver(s3, backup.BucketName!, name, writer, failedAgain, time, provider.GetRequiredService<ILogger<Redriver>>());
            await output.WriteLineAsync($"{(dryRun ? "Dry run: nothing is written. " : "")}Redriving pipeline {name} from s3://{backup.BucketName}/{listPrefix}").ConfigureAwait(false);
            RedriveReport report = await redriver.RunAsync(listPrefix, output, cancellationToken).ConfigureAwait(false);
            report.Write(output, dryRun);
            return report.ByType.Values.Any(counts => counts.Left > 0) ? 1 : report.Problems.Count > 0 ? 2 : 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // No credentials, a bucket that cannot be listed or read, a plugin that cannot load: one line, as the worker
            // says it at start. What was marked stays done; the rest is redone by the next run.
            await error.WriteLineAsync($"redrive: pipeline {name}, backup bucket s3://{backup.BucketName}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            if (writer is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
