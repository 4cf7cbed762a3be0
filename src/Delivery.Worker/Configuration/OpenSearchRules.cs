using Delivery.Destinations.OpenSearch;

namespace Delivery.Worker.Configuration;

/// <summary>
/// The OpenSearch setting that configuration alone cannot settle: basic auth's password is read from the environment
/// variable the pipeline names, so that variable must be set when the worker starts, not found empty at the first
/// delivery.
/// </summary>
internal static class OpenSearchRules
{
    public static void Validate(DeliveryOptions options, Func<string, string?> environment, List<ConfigurationValidationError> errors)
    {
        foreach ((string name, PipelineOptions pipeline) in options.Pipelines)
        {
            if (pipeline.OpenSearch?.Authentication is { Mode: OpenSearchAuthenticationMode.Basic, PasswordVariable: { Length: > 0 } variable }
                && string.IsNullOrEmpty(environment(variable)))
            {
                errors.Add(new($"Delivery:Pipelines:{name}:OpenSearch:Authentication:PasswordVariable",
                    $"environment variable '{variable}' is not set: it must hold the basic auth password of the cluster (passwords are read from the environment only, never from configuration)."));
            }
        }
    }
}
