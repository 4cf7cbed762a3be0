using System.Net;
using Delivery.DirectPut;

namespace Delivery.Worker.Configuration;

/// <summary>
/// The Direct PUT settings that span several places: the listener (<c>Delivery:DirectPut</c>) and the pipelines that
/// accept puts must agree, SigV4 needs key pairs whose secrets are in the environment, and a stream that stores Direct
/// PUT records must be read by that pipeline alone.
/// </summary>
internal static class DirectPutRules
{
    private const string Path = "Delivery:DirectPut";

    public static void Validate(DeliveryOptions options, Func<string, string?> environment, List<ConfigurationValidationError> errors)
    {
        DirectPutOptions directPut = options.DirectPut;
        List<string> accepting = [.. options.Pipelines.Where(pair => pair.Value.DirectPut?.Enabled == true).Select(pair => pair.Key)];
        if (!directPut.Enabled)
        {
            foreach (string name in accepting)
            {
                errors.Add(new($"Delivery:Pipelines:{name}:DirectPut:Enabled",
                    "the pipeline accepts Direct PUT, but the listener is off: set Delivery:DirectPut:Enabled to true (and its Port and Authentication)."));
            }

            return;
        }

        if (accepting.Count == 0 && options.Pipelines.Count > 0)
        {
            errors.Add(new($"{Path}:Enabled",
                $"the Direct PUT listener is on, but no pipeline accepts puts: set Delivery:Pipelines:<name>:DirectPut:Enabled to true for each pipeline producers put into ({string.Join(", ", options.Pipelines.Keys)})."));
        }

        ValidateAuthentication(directPut.Authentication, environment, errors);
        ValidatePort(options, errors);
        foreach (string name in accepting)
        {
            string stream = options.Pipelines[name].Kinesis.StreamName;
            foreach ((string other, PipelineOptions pipeline) in options.Pipelines)
            {
                if (other != name && string.Equals(pipeline.Kinesis.StreamName, stream, StringComparison.Ordinal))
                {
                    errors.Add(new($"Delivery:Pipelines:{name}:DirectPut:Enabled",
                        $"records put into '{name}' are stored in stream '{stream}', which pipeline '{other}' reads too and would deliver them as well: give '{name}' a stream of its own for Direct PUT."));
                }
            }
        }
    }

    private static void ValidateAuthentication(DirectPutAuthenticationOptions authentication, Func<string, string?> environment, List<ConfigurationValidationError> errors)
    {
        const string path = $"{Path}:Authentication";
        if (authentication.Mode == DirectPutAuthenticationMode.None)
        {
            if (authentication.Keys.Count > 0)
            {
                errors.Add(new($"{path}:Keys", "key pairs are never checked with Mode None: remove them, or set Mode to SigV4."));
            }

            return;
        }

        if (authentication.Keys.Count == 0)
        {
            errors.Add(new($"{path}:Keys",
                "is required with Mode SigV4 (the default): add a key pair (AccessKeyId and SecretAccessKeyVariable), or set Mode to None to accept unauthenticated requests on a private network."));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < authentication.Keys.Count; i++)
        {
            DirectPutKeyOptions key = authentication.Keys[i];
            string keyPath = $"{path}:Keys:{i}";
            if (key.AccessKeyId.Length > 0 && !seen.Add(key.AccessKeyId))
            {
                errors.Add(new($"{keyPath}:AccessKeyId", "the same access key id is configured twice; each key pair once."));
            }

            if (key.SecretAccessKeyVariable.Length > 0 && string.IsNullOrEmpty(environment(key.SecretAccessKeyVariable)))
            {
                errors.Add(new($"{keyPath}:SecretAccessKeyVariable",
                    $"environment variable '{key.SecretAccessKeyVariable}' is not set: it must hold the secret access key of key pair {i} (secrets are read from the environment only, never from configuration)."));
            }
        }
    }

    private static void ValidatePort(DeliveryOptions options, List<ConfigurationValidationError> errors)
    {
        DirectPutOptions directPut = options.DirectPut;
        if (!options.Health.Enabled || directPut.Port == 0 || directPut.Port != options.Health.Port
            || !IPAddress.TryParse(directPut.ListenAddress, out IPAddress? own) || !IPAddress.TryParse(options.Health.ListenAddress, out IPAddress? health))
        {
            return;
        }

        if (own.Equals(health) || own.Equals(IPAddress.Any) || health.Equals(IPAddress.Any))
        {
            errors.Add(new($"{Path}:Port", $"value '{directPut.Port}' is also the health endpoints' port (Delivery:Health:Port): give Direct PUT a port of its own."));
        }
    }
}
