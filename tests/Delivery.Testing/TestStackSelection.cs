namespace Delivery.Testing;

/// <summary>Which AWS stack the integration tests run against.</summary>
public enum TestStackKind
{
    /// <summary>kinesalite, dynalite and s3rver from <c>tests/emulators</c>, started by the fixture on 127.0.0.1.</summary>
    Emulators,

    /// <summary>LocalStack in Docker, started by the fixture through Testcontainers.</summary>
    LocalStack,

    /// <summary>An AWS-compatible endpoint already running (such as <c>infra/localstack/docker-compose.yml</c>).</summary>
    Endpoint,
}

/// <summary>What the fixture will start or use, and why (printed once, so a run says which stack it tested).</summary>
public sealed record TestStackChoice(TestStackKind Kind, Uri? Endpoint, string Reason);

/// <summary>Whether a Docker engine answers, and where one was looked for (for the error when none does).</summary>
public sealed record DockerEngineStatus(bool Answers, string Description);

/// <summary>
/// Chooses the integration tests' AWS stack from two environment variables and whether a Docker engine answers.
/// <list type="bullet">
/// <item><c>DELIVERY_TEST_STACK</c> unset or <c>auto</c>: the endpoint in <c>DELIVERY_TEST_AWS_ENDPOINT</c> when set,
/// else LocalStack when a Docker engine answers, else the npm emulators.</item>
/// <item><c>emulators</c>, <c>localstack</c>, <c>endpoint</c>: exactly that, or a clear failure when it cannot be had
/// (no Docker engine, no endpoint), never another stack in its place.</item>
/// </list>
/// </summary>
public static class TestStackSelection
{
    public const string StackVariable = "DELIVERY_TEST_STACK";
    public const string EndpointVariable = "DELIVERY_TEST_AWS_ENDPOINT";

    /// <summary>Chooses from the process environment, asking Docker only when the choice depends on it.</summary>
    public static TestStackChoice FromEnvironment(Func<DockerEngineStatus> docker) =>
        Choose(Environment.GetEnvironmentVariable(StackVariable), Environment.GetEnvironmentVariable(EndpointVariable), docker);

    /// <param name="stack">The value of <c>DELIVERY_TEST_STACK</c>, if any.</param>
    /// <param name="endpoint">The value of <c>DELIVERY_TEST_AWS_ENDPOINT</c>, if any.</param>
    /// <param name="docker">Asks whether a Docker engine answers; called at most once, and only when needed.</param>
    public static TestStackChoice Choose(string? stack, string? endpoint, Func<DockerEngineStatus> docker)
    {
        ArgumentNullException.ThrowIfNull(docker);
        string requested = string.IsNullOrWhiteSpace(stack) ? "auto" : stack.Trim().ToLowerInvariant();
        bool hasEndpoint = !string.IsNullOrWhiteSpace(endpoint);
        switch (requested)
        {
            case "auto" when hasEndpoint:
                return new(TestStackKind.Endpoint, ParseEndpoint(endpoint!), $"{EndpointVariable} is set");
            case "auto":
                DockerEngineStatus engine = docker();
                return engine.Answers
                    ? new(TestStackKind.LocalStack, null, $"a Docker engine answers ({engine.Description})")
                    : new(TestStackKind.Emulators, null, $"no Docker engine answers ({engine.Description})");
            case "emulators":
                return new(TestStackKind.Emulators, null, $"{StackVariable}=emulators");
            case "localstack":
                DockerEngineStatus asked = docker();
                return asked.Answers
                    ? new(TestStackKind.LocalStack, null, $"{StackVariable}=localstack ({asked.Description})")
                    : throw new InvalidOperationException(
                        $"{StackVariable}=localstack asks for LocalStack in Docker (through Testcontainers), but no Docker engine answers: "
                        + $"{asked.Description}. Start Docker or point DOCKER_HOST at a running engine, or set {StackVariable}=emulators "
                        + $"to use the npm emulators.");
            case "endpoint":
                return hasEndpoint
                    ? new(TestStackKind.Endpoint, ParseEndpoint(endpoint!), $"{StackVariable}=endpoint")
                    : throw new InvalidOperationException(
                        $"{StackVariable}=endpoint asks for a running AWS-compatible endpoint, but {EndpointVariable} is not set: "
                        + $"set it to the endpoint's URL, such as http://localhost:4566.");
            default:
                throw new InvalidOperationException(
                    $"{StackVariable} is '{stack}': it must be auto (the default), emulators, localstack or endpoint.");
        }
    }

    private static Uri ParseEndpoint(string endpoint) =>
        Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"{EndpointVariable} is '{endpoint}': it must be an absolute http:// or https:// URL, such as http://localhost:4566.");
}
