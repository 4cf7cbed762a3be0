using Delivery.Testing;

namespace Delivery.UnitTests.Testing;

/// <summary>Which AWS stack the integration tests get: the choice behind `dotnet test` bringing LocalStack up by itself.</summary>
public sealed class TestStackSelectionTests
{
    private static readonly DockerEngineStatus Engine = new(true, "Docker engine at unix:///var/run/docker.sock");
    private static readonly DockerEngineStatus NoEngine = new(false, "DOCKER_HOST is not set and no engine answers on /var/run/docker.sock");
    private int _probes;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("auto")]
    [InlineData(" Auto ")]
    public void ByDefault_AnAnsweringDockerEngine_MeansLocalStack(string? stack)
    {
        TestStackChoice choice = TestStackSelection.Choose(stack, null, Docker(Engine));

        choice.Kind.ShouldBe(TestStackKind.LocalStack);
        choice.Reason.ShouldContain("unix:///var/run/docker.sock");
    }

    [Fact]
    public void ByDefault_WithoutADockerEngine_TheNpmEmulatorsRun_AndTheReasonSaysWhy()
    {
        TestStackChoice choice = TestStackSelection.Choose(null, null, Docker(NoEngine));

        choice.Kind.ShouldBe(TestStackKind.Emulators);
        choice.Reason.ShouldContain("no Docker engine answers");
    }

    [Fact]
    public void ByDefault_AnEndpointInTheVariable_IsUsed_WithoutAskingDocker()
    {
        TestStackChoice choice = TestStackSelection.Choose(null, "http://localhost:4566", Docker(Engine));

        (choice.Kind, choice.Endpoint).ShouldBe((TestStackKind.Endpoint, new Uri("http://localhost:4566")));
        _probes.ShouldBe(0);
    }

    [Fact]
    public void AskingForTheEmulators_GetsThem_EvenWithADockerEngine()
    {
        TestStackSelection.Choose("emulators", null, Docker(Engine)).Kind.ShouldBe(TestStackKind.Emulators);
        _probes.ShouldBe(0, "an explicit choice does not depend on Docker");
    }

    [Fact]
    public void AskingForTheEmulators_IgnoresAnEndpointLeftInTheEnvironment()
    {
        TestStackSelection.Choose("emulators", "http://localhost:4566", Docker(Engine)).Kind.ShouldBe(TestStackKind.Emulators);
    }

    [Fact]
    public void AskingForLocalStack_WithAnEngine_GetsLocalStack()
    {
        TestStackSelection.Choose("LocalStack", null, Docker(Engine)).Kind.ShouldBe(TestStackKind.LocalStack);
    }

    [Fact]
    public void AskingForLocalStack_WithoutAnEngine_FailsNamingWhatIsMissing_RatherThanFallingBack()
    {
        var error = Should.Throw<InvalidOperationException>(() => TestStackSelection.Choose("localstack", null, Docker(NoEngine)));

        error.Message.ShouldContain("DELIVERY_TEST_STACK=localstack");
        error.Message.ShouldContain("no Docker engine answers");
        error.Message.ShouldContain(NoEngine.Description);
        error.Message.ShouldContain("DELIVERY_TEST_STACK=emulators", Case.Sensitive, "the error says how to run without Docker");
    }

    [Fact]
    public void AskingForLocalStack_WinsOverAnEndpointInTheEnvironment()
    {
        TestStackSelection.Choose("localstack", "http://localhost:4566", Docker(Engine)).Kind.ShouldBe(TestStackKind.LocalStack);
    }

    [Fact]
    public void AskingForAnEndpoint_UsesTheVariable()
    {
        TestStackChoice choice = TestStackSelection.Choose("endpoint", "https://aws.example.test:4566/", Docker(NoEngine));

        (choice.Kind, choice.Endpoint).ShouldBe((TestStackKind.Endpoint, new Uri("https://aws.example.test:4566/")));
        _probes.ShouldBe(0);
    }

    [Fact]
    public void AskingForAnEndpoint_WithoutTheVariable_FailsNamingTheVariable()
    {
        var error = Should.Throw<InvalidOperationException>(() => TestStackSelection.Choose("endpoint", " ", Docker(Engine)));

        error.Message.ShouldContain("DELIVERY_TEST_AWS_ENDPOINT is not set");
    }

    [Theory]
    [InlineData("localhost:4566")]
    [InlineData("ftp://localhost:4566")]
    [InlineData("not a url")]
    public void AnEndpointThatIsNotAnHttpUrl_FailsNamingTheVariableAndTheValue(string endpoint)
    {
        var error = Should.Throw<InvalidOperationException>(() => TestStackSelection.Choose(null, endpoint, Docker(Engine)));

        error.Message.ShouldContain($"DELIVERY_TEST_AWS_ENDPOINT is '{endpoint}'");
    }

    [Fact]
    public void AnUnknownStack_FailsListingTheChoices()
    {
        var error = Should.Throw<InvalidOperationException>(() => TestStackSelection.Choose("kinesalite", null, Docker(Engine)));

        error.Message.ShouldBe("DELIVERY_TEST_STACK is 'kinesalite': it must be auto (the default), emulators, localstack or endpoint.");
    }

    private Func<DockerEngineStatus> Docker(DockerEngineStatus status) => () =>
    {
        _probes++;
        return status;
    };
}
