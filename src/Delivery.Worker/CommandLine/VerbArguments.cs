using Delivery.Worker.Configuration;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// The switches of a verb that asks a running worker (<c>health</c>, <c>status</c>): its own options, each with a
/// value after '=' or as the next argument, and its flags; <c>--config FILE</c> and <c>--Delivery:Key=value</c>
/// overrides are accepted too, since they build the configuration the verb reads. Anything else is a usage error
/// naming the argument.
/// </summary>
internal static class VerbArguments
{
    private const string ConfigOption = "--config";

    /// <param name="args">The arguments after the verb.</param>
    /// <param name="options">The verb's options that take a value, such as <c>--port</c>.</param>
    /// <param name="flags">The words the verb takes on their own, such as <c>ready</c>.</param>
    /// <param name="values">The last value of each option given.</param>
    /// <param name="flagsGiven">The flags, in the order given.</param>
    /// <param name="problem">What is wrong, when it returns false.</param>
    public static bool TryParse(
        ReadOnlySpan<string> args,
        IReadOnlyCollection<string> options,
        IReadOnlyCollection<string> flags,
        out Dictionary<string, string> values,
        out List<string> flagsGiven,
        out string? problem)
    {
        (values, flagsGiven, problem) = (new(StringComparer.Ordinal), [], null);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (flags.Contains(arg))
            {
                flagsGiven.Add(arg);
                continue;
            }

            (string name, string? value) = arg.IndexOf('=', StringComparison.Ordinal) is var at and > 0 ? (arg[..at], arg[(at + 1)..]) : (arg, null);
            bool takesValue = options.Contains(name) || name == ConfigOption || name.StartsWith("--" + DeliveryOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase);
            if (!takesValue)
            {
                problem = $"unknown argument '{arg}'.";
                return false;
            }

            if (value is null && ++i < args.Length)
            {
                value = args[i];
            }

            if (value is null)
            {
                problem = $"'{name}' needs a value.";
                return false;
            }

            if (options.Contains(name))
            {
                values[name] = value;
            }
        }

        return true;
    }
}
