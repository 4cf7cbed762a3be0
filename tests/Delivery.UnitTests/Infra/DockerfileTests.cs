using System.Text.RegularExpressions;
using System.Xml.Linq;
using Delivery.Testing;
using Delivery.Worker.CommandLine;

namespace Delivery.UnitTests.Infra;

/// <summary>
/// There is no Docker engine here, so the Dockerfile is checked against the repository: what it copies exists, what it
/// publishes is the worker, what it runs and health-checks is what the publish produces, and the runtime stage is a
/// small non-root image without the SDK. The ECS task definition must agree with it.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string Root = LocalAwsStack.RepositoryRoot;
    private static readonly List<(string Instruction, string Arguments, int Stage)> Instructions = Parse(File.ReadAllText(Path.Combine(Root, "Dockerfile")));

    [Fact]
    public void TheBuildStageUsesTheSdk_AndTheRuntimeStageTheAspNetRuntimeWithoutIt()
    {
        string[] images = [.. Instructions.Where(i => i.Instruction == "FROM").Select(i => i.Arguments)];
        images.Length.ShouldBeGreaterThanOrEqualTo(2, "a multi-stage build");
        images[0].ShouldContain("mcr.microsoft.com/dotnet/sdk:");
        images[^1].ShouldStartWith("mcr.microsoft.com/dotnet/aspnet:", customMessage: "Kestrel serves the health endpoints: the worker references the ASP.NET Core shared framework");
        images[^1].ShouldNotContain("sdk");
        File.ReadAllText(Path.Combine(Root, "src", "Delivery.Worker", "Delivery.Worker.csproj")).ShouldContain("<FrameworkReference Include=\"Microsoft.AspNetCore.App\" />");
    }

    [Fact]
    public void ItPublishesTheWorkerProject_AndRunsAndHealthChecksTheBinaryThatPublishProduces()
    {
        string publish = Instructions.Single(i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;
        Match project = Regex.Match(publish, @"dotnet publish (\S+\.csproj)");
        project.Success.ShouldBeTrue(publish);
        string csproj = Path.Combine(Root, project.Groups[1].Value);
        File.Exists(csproj).ShouldBeTrue($"{project.Groups[1].Value} must exist");
        XDocument xml = XDocument.Load(csproj);
        string assembly = xml.Descendants("AssemblyName").Single().Value;
        xml.Descendants("OutputType").Single().Value.ShouldBe("Exe");
        string output = Regex.Match(publish, @"-o (\S+)").Groups[1].Value;
        output.ShouldNotBeEmpty();

        int last = Instructions.Max(i => i.Stage);
        Instructions.ShouldContain(i => i.Stage == last && i.Instruction == "COPY" && i.Arguments == $"--from=build {output} ./");
        Instructions.Single(i => i.Stage == last && i.Instruction == "WORKDIR").Arguments.ShouldBe(output);
        string binary = $"{output}/{assembly}";
        Instructions.Single(i => i.Instruction == "ENTRYPOINT").Arguments.ShouldBe($"[\"{binary}\"]");
        string healthCheck = Instructions.Single(i => i.Instruction == "HEALTHCHECK").Arguments;
        healthCheck.ShouldEndWith($"CMD [\"{binary}\", \"health\"]", customMessage: "runtime images have no curl: the worker's own verb checks health");
        CommandLineVerbs.VerbOf(["health"]).ShouldBe(CommandLineVerbs.Health);
    }

    [Fact]
    public void TheRuntimeStage_HasTheTimeZoneDatabase_ThatCustomTimeZoneReads()
    {
        int last = Instructions.Max(i => i.Stage);
        Instructions.ShouldContain(i => i.Stage == last && i.Instruction == "COPY" && i.Arguments == "--from=build /usr/share/zoneinfo /usr/share/zoneinfo",
            "chiseled images have no tzdata, and .NET reads IANA zones from /usr/share/zoneinfo");
    }

    [Fact]
    public void ItRunsAsANonRootUser_AndStopsOnSigterm()
    {
        int last = Instructions.Max(i => i.Stage);
        string user = Instructions.Last(i => i.Stage == last && i.Instruction == "USER").Arguments;
        user.ShouldNotBeOneOf("root", "0", "0:0");
        Instructions.Single(i => i.Instruction == "STOPSIGNAL").Arguments.ShouldBe("SIGTERM");
    }

    [Fact]
    public void EveryProjectTheWorkerNeeds_IsCopiedBeforeRestore_AndEveryCopiedPathExists()
    {
        var copied = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string instruction, string arguments, int stage) in Instructions.Where(i => i.Instruction == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal)))
        {
            string[] parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (string source in parts[..^1])
            {
                (File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source))).ShouldBeTrue($"COPY {source}: no such file in the repository");
                copied.Add(source);
            }
        }

        foreach (string project in ProjectClosure("src/Delivery.Worker/Delivery.Worker.csproj"))
        {
            copied.ShouldContain(project, $"{project} is referenced by the worker; copy it before 'dotnet restore'");
        }

        copied.ShouldContain("appsettings.json");
        copied.ShouldContain("config/");
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputsOut_AndWhatTheBuildNeedsIn()
    {
        string[] ignored = [.. File.ReadAllLines(Path.Combine(Root, ".dockerignore")).Where(line => line.Length > 0 && !line.StartsWith('#'))];

        ignored.ShouldContain("**/bin/");
        ignored.ShouldContain("**/obj/");
        ignored.ShouldContain("**/node_modules/");
        ignored.ShouldNotContain(line => line == "src/" || line == "config/" || line == "appsettings.json" || line == "*.json");
    }

    [Fact]
    public void TheEcsTaskDefinition_HealthChecksAndStopsTheWayTheImageExpects()
    {
        string template = File.ReadAllText(Path.Combine(Root, "infra", "cloudformation", "delivery.yaml"));
        string healthCheck = Instructions.Single(i => i.Instruction == "HEALTHCHECK").Arguments;
        string command = healthCheck[(healthCheck.IndexOf("CMD [", StringComparison.Ordinal) + 4)..];

        template.ShouldContain($"Command: [\"CMD\", {command[1..]}");
        int stopTimeout = int.Parse(Regex.Match(template, @"StopTimeout: (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int grace = int.Parse(Regex.Match(template, @"Delivery__ShutdownGracePeriodSeconds, Value: ""(\d+)""").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        stopTimeout.ShouldBeGreaterThan(grace, "ECS must not SIGKILL the worker before its drain may end");
    }

    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out string? current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            string directory = Path.GetDirectoryName(current)!;
            foreach (XElement reference in XDocument.Load(Path.Combine(Root, current)).Descendants("ProjectReference"))
            {
                string path = Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Root, directory, reference.Attribute("Include")!.Value))).Replace('\\', '/');
                pending.Push(path);
            }
        }

        return seen;
    }

    private static List<(string Instruction, string Arguments, int Stage)> Parse(string dockerfile)
    {
        var result = new List<(string, string, int)>();
        int stage = -1;
        string joined = Regex.Replace(dockerfile, @"\\\r?\n\s*", " ");
        foreach (string raw in joined.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            string instruction = space < 0 ? line : line[..space];
            string arguments = space < 0 ? "" : line[(space + 1)..].Trim();
            if (instruction == "FROM")
            {
                stage++;
                arguments = Regex.Replace(arguments, @"--platform=\S+\s+", "");
                arguments = Regex.Replace(arguments, @"\$\{DOTNET_VERSION\}", "10.0");
                arguments = arguments.Split(" AS ", StringSplitOptions.None)[0].Trim();
            }

            result.Add((instruction, arguments, stage));
        }

        return result;
    }
}
