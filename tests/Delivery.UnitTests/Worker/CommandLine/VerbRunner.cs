using System.Globalization;
using Delivery.Worker.CommandLine;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.CommandLine;

/// <summary>Runs a verb in process with the configuration Program builds from its command line, over the given settings.</summary>
internal static class VerbRunner
{
    /// <param name="verb">The verb, such as <c>health</c>.</param>
    /// <param name="arguments">What follows it, space-separated; <c>{port}</c> becomes <paramref name="port"/>.</param>
    /// <param name="port">The test listener's port.</param>
    /// <param name="settings">Configuration below the command line (appsettings, the config file).</param>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string verb, string arguments, int port, Dictionary<string, string?>? settings = null)
    {
        string[] args = CommandLineVerbs.Normalize([verb, .. arguments.Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).AddCommandLine(args).Build();
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = await CommandLineVerbs.RunAsync(CommandLineVerbs.VerbOf(args)!, args, configuration, output, error);

        return (exitCode, output.ToString(), error.ToString());
    }
}
