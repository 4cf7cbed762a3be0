using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// The worker's command-line verbs. Without a verb the worker runs; with one it does that job and exits:
/// <c>validate [FILE]</c>, <c>describe [FILE]</c>, <c>import-firehose FILE|-</c>, <c>health [ready] [--port N]</c>,
/// <c>status [--url URL]</c>, <c>redrive --pipeline NAME [--from PREFIX] [--dry-run]</c>.
/// </summary>
internal static class CommandLineVerbs
{
    public const string Validate = "validate";
    public const string Describe = "describe";
    public const string ImportFirehose = "import-firehose";
    public const string Health = "health";
    public const string Status = "status";
    public const string Redrive = "redrive";

    private static readonly string[] ConfigurationVerbs = [Validate, Describe];

    /// <summary>The verb in <paramref name="args"/>, or null to run the worker.</summary>
    public static string? VerbOf(string[] args) =>
        args.Length > 0 && args[0] is Validate or Describe or ImportFirehose or Health or Status or Redrive or "help" or "--help" or "-h" ? args[0] : null;

    /// <summary>
    /// Lets <c>validate FILE</c> and <c>describe FILE</c> name the file the way <c>--config FILE</c> does, so that the
    /// configuration they check is built exactly as the worker would build it; and keeps <c>health</c>'s switches from
    /// being read as settings.
    /// </summary>
    public static string[] Normalize(string[] args)
    {
        if (args.Length >= 2 && ConfigurationVerbs.Contains(args[0]) && !args[1].StartsWith('-'))
        {
            return [args[0], "--config", args[1], .. args[2..]];
        }

        return args.Length == 0 ? args : args[0] switch
        {
            Health => HealthVerb.Normalize(args),
            Redrive => RedriveVerb.Normalize(args),
            _ => args,
        };
    }

    /// <summary>Runs the verb; returns the exit code (0 done, 1 failed or unreachable, 2 invalid configuration or input).</summary>
    public static Task<int> RunAsync(string verb, string[] args, IConfiguration configuration, TextWriter output, TextWriter error) => verb switch
    {
        Validate => Task.FromResult(ConfigurationVerb.Validate(configuration, output)),
        Describe => Task.FromResult(ConfigurationVerb.Describe(configuration, output)),
        ImportFirehose => ImportFirehoseVerb.RunAsync(args, output, error),
        Health => HealthVerb.RunAsync(args, configuration, output, error),
        Status => StatusVerb.RunAsync(args, configuration, output, error),
        Redrive => RedriveVerb.RunAsync(args, configuration, output, error),
        _ => Task.FromResult(Usage(output)),
    };

    private static int Usage(TextWriter output)
    {
        output.WriteLine($"""
            Delivery.Worker [--config FILE]            run the worker
            Delivery.Worker validate [FILE]            check a configuration; print every problem with its key path
            Delivery.Worker describe [FILE]            print the effective configuration (defaults filled in, secrets hidden)
            Delivery.Worker import-firehose FILE|-     turn 'aws firehose describe-delivery-stream' JSON into Delivery configuration
                            [--pipeline NAME]
            Delivery.Worker {HealthVerb.Synopsis}  ask a running worker's /health/live, or with ready (or --ready)
                                                       its /health/ready; exit 0 when healthy
            Delivery.Worker {StatusVerb.Synopsis}         what a running worker's dashboard shows, in the terminal: per
                                                       pipeline freshness, counts and destination state, one line
                                                       per shard (default: this host's worker on Delivery:Health:Port)
            Delivery.Worker {RedriveVerb.Synopsis}
                                                       send a pipeline's failed records (its backup bucket) through
                                                       its processors and destination again, each object once; counts
                                                       per error type (--dry-run: list them, change nothing)

            Configuration layers: appsettings.json, the --config file (or DELIVERY_CONFIG_FILE), Delivery__* environment
            variables, --Delivery:Key=value arguments. Exit codes: 0 ok, 1 failed (health: not healthy; status: no worker
            answered; redrive: objects left for the next run), 2 invalid configuration or input.
            """);
        return 0;
    }
}
