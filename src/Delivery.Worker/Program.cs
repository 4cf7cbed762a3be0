using Delivery.Worker.Configuration;
using Delivery.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Delivery.Worker;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        AddConfigFile(builder.Configuration);

        DeliveryOptions options;
        try
        {
            options = DeliveryOptionsLoader.Load(builder.Configuration);
        }
        catch (InvalidDeliveryConfigurationException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }

        builder.Services.AddDeliveryWorker(options);
        using IHost host = builder.Build();

        // Resolved up front: RunAsync disposes the host, and a filter that resolved it afterwards would throw.
        IHostApplicationLifetime lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.RunAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // SIGTERM arrived while starting (waiting for the lease table, say): a clean stop, nothing was read yet.
            return 0;
        }
        catch (Exception ex)
        {
            // Whatever stopped the start (a missing stream, a refused table, bad credentials), say it in one line
            // rather than as a crash dump, and exit non-zero so the orchestrator sees it.
            await Console.Error.WriteLineAsync($"Delivery failed: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        return Environment.ExitCode;
    }

    /// <summary>
    /// <c>--config FILE</c> (or DELIVERY_CONFIG_FILE) layers a JSON file over appsettings.json, below environment
    /// variables and the command line, which still override it.
    /// </summary>
    private static void AddConfigFile(ConfigurationManager configuration)
    {
        string? file = configuration["config"] ?? Environment.GetEnvironmentVariable("DELIVERY_CONFIG_FILE");
        if (string.IsNullOrEmpty(file))
        {
            return;
        }

        var source = new JsonConfigurationSource { Path = Path.GetFullPath(file), Optional = false, ReloadOnChange = false };
        source.ResolveFileProvider();
        IList<IConfigurationSource> sources = ((IConfigurationBuilder)configuration).Sources;
        int lastJson = sources.Select((s, i) => (s, i)).Where(pair => pair.s is JsonConfigurationSource).Select(pair => pair.i).DefaultIfEmpty(-1).Max();
        sources.Insert(lastJson + 1, source);
    }
}
