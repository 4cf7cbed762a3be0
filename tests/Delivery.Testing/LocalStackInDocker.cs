using Docker.DotNet.Models;
using DotNet.Testcontainers.Configurations;
using Testcontainers.LocalStack;

namespace Delivery.Testing;

/// <summary>
/// LocalStack with the services Delivery uses (Kinesis, DynamoDB, S3, Lambda), started through Testcontainers and
/// published on 127.0.0.1 only. The image is the one <c>infra/localstack/docker-compose.yml</c> runs.
/// </summary>
public sealed class LocalStackInDocker : IAsyncDisposable
{
    /// <summary>The last LocalStack line that runs without an auth token (4.15 and later need one).</summary>
    public const string Image = "localstack/localstack:3.8";

    public const string Services = "kinesis,dynamodb,s3,lambda";

    private readonly LocalStackContainer _container;

    private LocalStackInDocker(LocalStackContainer container, Uri endpoint)
    {
        _container = container;
        Endpoint = endpoint;
    }

    /// <summary>The one endpoint every service answers on.</summary>
    public Uri Endpoint { get; }

    /// <summary>Asks Testcontainers' own discovery (DOCKER_HOST, Docker contexts, the usual sockets) whether an engine answers.</summary>
    public static DockerEngineStatus Probe()
    {
        IDockerEndpointAuthenticationConfiguration? engine = TestcontainersSettings.OS.DockerEndpointAuthConfig;
        if (engine is not null)
        {
            return new(true, $"Docker engine at {engine.Endpoint}");
        }

        string? host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return new(false, string.IsNullOrWhiteSpace(host)
            ? "DOCKER_HOST is not set and no engine answers on /var/run/docker.sock or the other usual sockets"
            : $"nothing answers at DOCKER_HOST={host}");
    }

    public static async Task<LocalStackInDocker> StartAsync(CancellationToken cancellationToken)
    {
        LocalStackContainer container = new LocalStackBuilder(Image)
            .WithEnvironment("SERVICES", Services)
            .WithEnvironment("EAGER_SERVICE_LOADING", "1")
            .WithEnvironment("KINESIS_LATENCY", "0")
            .WithEnvironment("KINESIS_SHARD_LIMIT", "100")
            // LocalStack runs each Lambda function in a container of its own, through the host's engine.
            .WithBindMount(TestcontainersSettings.DockerSocketOverride ?? "/var/run/docker.sock", "/var/run/docker.sock")
            .WithCreateParameterModifier(PublishOnLoopbackOnly)
            .Build();
        await container.StartAsync(cancellationToken).ConfigureAwait(false);
        return new LocalStackInDocker(container, new Uri(container.GetConnectionString()));
    }

    public ValueTask DisposeAsync() => _container.DisposeAsync();

    private static void PublishOnLoopbackOnly(CreateContainerParameters parameters)
    {
        foreach (IList<PortBinding> bindings in parameters.HostConfig?.PortBindings?.Values ?? [])
        {
            foreach (PortBinding binding in bindings)
            {
                binding.HostIP = "127.0.0.1";
            }
        }
    }
}
