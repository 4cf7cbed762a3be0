using Delivery.Destinations.Splunk;

namespace Delivery.Worker.Configuration;

/// <summary>
/// The HEC token of each Splunk pipeline: the environment variable <c>HecTokenVariable</c> names must be set when the
/// worker starts, and hold what an HTTP header can carry. Problems name the variable, never its value.
/// </summary>
internal static class SplunkTokenRules
{
    public static void Validate(DeliveryOptions options, Func<string, string?> environment, List<ConfigurationValidationError> errors)
    {
        foreach ((string name, PipelineOptions pipeline) in options.Pipelines)
        {
            if (pipeline.Splunk is not { HecTokenVariable.Length: > 0 } splunk)
            {
                continue;
            }

            string path = $"Delivery:Pipelines:{name}:Splunk:HecTokenVariable";
            if (errors.Any(error => error.KeyPath.Equals(path, StringComparison.OrdinalIgnoreCase)))
            {
                // A name that is not a variable name is reported already; looking it up would say the same twice.
                continue;
            }

            string? token = environment(splunk.HecTokenVariable);
            if (string.IsNullOrEmpty(token))
            {
                errors.Add(new(path, $"environment variable '{splunk.HecTokenVariable}' is not set: it must hold the HEC token (secrets are read from the environment only, never from configuration)."));
            }
            else if (token.Length > SplunkDestinationOptions.MaxTokenLength)
            {
                errors.Add(new(path, $"the HEC token in '{splunk.HecTokenVariable}' is longer than {SplunkDestinationOptions.MaxTokenLength} characters (Firehose's limit)."));
            }
            else if (HttpHeaderRules.ValueProblem(token) is { } problem)
            {
                errors.Add(new(path, $"the HEC token in '{splunk.HecTokenVariable}' {problem}"));
            }
        }
    }
}
