using System.Text;
using System.Text.RegularExpressions;
using Delivery.Testing;
using Delivery.UnitTests.Worker.CommandLine;
using Delivery.Worker.CommandLine;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Docs;

/// <summary>
/// The docs are read by people who follow them literally: a link must lead somewhere, a heading it names must be
/// there, and a command shown with a file of this repository must work on that file. These tests hold the docs to
/// that, so a renamed heading, a moved page or a config example that stopped validating fails the build.
/// </summary>
public sealed partial class DocsTests
{
    private static readonly string Root = Path.GetFullPath(LocalAwsStack.RepositoryRoot);

    // The files a newcomer is sent to; each must exist, and the checks below read them with docs/**.
    private static readonly string[] FrontDoors = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", "infra/README.md", "docs/decisions/README.md"];

    public static TheoryData<string> Documents() => [.. DocumentPaths()];

    [Fact]
    public void TheFilesANewcomerIsSentTo_Exist()
    {
        FrontDoors.Where(file => !File.Exists(Path.Combine(Root, file))).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryRelativeLink_LeadsToAFileThatExists_AndEveryAnchorToAHeadingOfIt(string file)
    {
        MarkdownDocument document = Read(file);

        string[] broken = [.. document.Links.Select(link => LinkProblem(document, link.Target) is { } problem ? $"{file}:{link.Line}: ({link.Target}) {problem}" : null).OfType<string>()];

        broken.ShouldBeEmpty();
    }

    [Fact]
    public void EveryDocsPage_CanBeReachedFromTheReadme()
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { Path.Combine(Root, "README.md") };
        var queue = new Queue<string>(reached);
        while (queue.TryDequeue(out string? path))
        {
            MarkdownDocument document = MarkdownDocument.Read(path, Root);
            foreach ((_, string target) in document.Links)
            {
                if (Resolve(document, target) is { } linked && linked.EndsWith(".md", StringComparison.Ordinal) && File.Exists(linked) && reached.Add(linked))
                {
                    queue.Enqueue(linked);
                }
            }
        }

        DocumentPaths().Where(file => !reached.Contains(Path.Combine(Root, file))).ShouldBeEmpty("pages no link from README.md leads to");
    }

    [Fact]
    public void EveryConfigFileOfTheRepository_ThatTheDocsRunValidateDescribeOrConfigOn_Validates()
    {
        var validated = new List<string>();
        var problems = new List<string>();
        foreach (MarkdownDocument document in AllDocuments())
        {
            foreach ((int line, string code) in document.Code)
            {
                foreach (Match command in ConfigCommand().Matches(code))
                {
                    string file = command.Groups["file"].Value;
                    if (!NamesAFileOfTheRepository(file))
                    {
                        continue; // the reader's own file (clicks.json, /etc/delivery/delivery.json, FILE)
                    }

                    string path = Path.Combine(Root, file);
                    var output = new StringWriter();
                    if (!File.Exists(path))
                    {
                        problems.Add($"{document.RelativePath}:{line}: '{command.Value}': {file} does not exist");
                    }
                    else if (ConfigurationVerb.Validate(ConfigurationVerbTests.Configuration(path), output) != 0)
                    {
                        problems.Add($"{document.RelativePath}:{line}: '{command.Value}': validate {file} printed:\n{output}");
                    }

                    validated.Add(file);
                }
            }
        }

        problems.ShouldBeEmpty();
        validated.ShouldContain("config/production.json", "the operations page shows validate and describe on config/production.json");
    }

    [Fact]
    public void EveryJsonConfigurationTheDocsShow_Validates()
    {
        var shown = new List<string>();
        var problems = new List<string>();
        foreach (MarkdownDocument document in AllDocuments())
        {
            foreach ((int line, string json) in document.JsonBlocks.Where(block => block.Json.Contains("\"Delivery\"", StringComparison.Ordinal)))
            {
                IConfiguration configuration = new ConfigurationBuilder()
                    .AddJsonFile(Path.Combine(Root, "appsettings.json"))
                    .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)))
                    .Build();
                var output = new StringWriter();
                if (ConfigurationVerb.Validate(configuration, output) != 0)
                {
                    problems.Add($"{document.RelativePath}:{line}: the configuration shown here is not valid:\n{output}");
                }

                shown.Add($"{document.RelativePath}:{line}");
            }
        }

        problems.ShouldBeEmpty();
        shown.ShouldContain(place => place.StartsWith("README.md:", StringComparison.Ordinal), "the README shows a pipeline");
    }

    [Fact]
    public void EveryProjectTheDocsBuildOrRun_Exists()
    {
        var projects = new List<string>();
        var missing = new List<string>();
        foreach (MarkdownDocument document in AllDocuments())
        {
            foreach ((int line, string code) in document.Code)
            {
                foreach (Match command in DotnetProject().Matches(code))
                {
                    string project = command.Groups["project"].Value;
                    string path = Path.Combine(Root, project);
                    bool exists = Directory.Exists(path) ? Directory.EnumerateFiles(path, "*.csproj").Any() : File.Exists(path) && Path.GetExtension(path) is ".csproj" or ".sln" or ".slnf";
                    if (!exists)
                    {
                        missing.Add($"{document.RelativePath}:{line}: '{command.Value}': {project} is not a project of the repository");
                    }

                    projects.Add(project);
                }
            }
        }

        missing.ShouldBeEmpty();
        projects.ShouldContain("bench/Delivery.Benchmarks");
    }

    [Fact]
    public void EveryPathOfTheRepositoryTheDocsShowInCode_Exists()
    {
        string[] topLevel = [.. Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.') || name == ".ci").Except(["out", "artifacts"])];
        var missing = new List<string>();
        int checkedPaths = 0;
        foreach (MarkdownDocument document in AllDocuments())
        {
            foreach ((int line, string code) in document.Code)
            {
                foreach (string token in PathToken().Split(code))
                {
                    string path = token.StartsWith("./", StringComparison.Ordinal) ? token[2..] : token;
                    path = path.TrimEnd('.', ',', ':', ';');
                    string first = path.Split('/')[0];
                    if (path.IndexOfAny(['<', '>', '*', '{', '}', '$', '[']) >= 0 || !topLevel.Contains(first, StringComparer.Ordinal))
                    {
                        continue; // a placeholder, or not a path into the repository (.local/, out/, a key, a word)
                    }

                    checkedPaths++;
                    if (!File.Exists(Path.Combine(Root, path)) && !Directory.Exists(Path.Combine(Root, path)))
                    {
                        missing.Add($"{document.RelativePath}:{line}: {path}");
                    }
                }
            }
        }

        missing.ShouldBeEmpty("paths the docs show that are not in the repository");
        checkedPaths.ShouldBeGreaterThan(20);
    }

    [Fact]
    public void EveryPointerFromCodeOrConfigurationToTheDocs_LeadsToAPageAndHeadingThatExist()
    {
        var pointers = new List<string>();
        var broken = new List<string>();
        string[] sources = [.. new[] { "src", "tests", "bench", "config", "infra" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*", SearchOption.AllDirectories))
            .Where(file => !Regex.IsMatch(file, @"[\\/](bin|obj|node_modules)[\\/]") && Path.GetExtension(file) is ".cs" or ".json" or ".yaml" or ".yml" or ".js" or ".mjs")
            .Concat(new[] { "Dockerfile", "run.sh", "test.sh", ".ci/run" }.Select(file => Path.Combine(Root, file)))];
        foreach (string source in sources)
        {
            string text = File.ReadAllText(source);
            foreach (Match pointer in DocsPointer().Matches(text))
            {
                string page = pointer.Groups["page"].Value;
                string where = $"{Path.GetRelativePath(Root, source)}: {pointer.Value}";
                pointers.Add(where);
                string path = Path.Combine(Root, page);
                if (!File.Exists(path))
                {
                    broken.Add($"{where}: {page} does not exist");
                }
                else if (pointer.Groups["heading"].Success && !MarkdownDocument.Read(path, Root).Anchors.Contains(MarkdownDocument.Slug(pointer.Groups["heading"].Value)))
                {
                    broken.Add($"{where}: {page} has no heading \"{pointer.Groups["heading"].Value}\"");
                }
            }
        }

        broken.ShouldBeEmpty();
        pointers.ShouldContain(pointer => pointer.Contains("config/production.json", StringComparison.Ordinal));
    }

    [Fact]
    public void Slugs_FollowGitHubsRules()
    {
        MarkdownDocument.Slug("Sizing a task's memory").ShouldBe("sizing-a-tasks-memory");
        MarkdownDocument.Slug("`validate` and `describe`").ShouldBe("validate-and-describe");
        MarkdownDocument.Slug("Where configuration comes from").ShouldBe("where-configuration-comes-from");
        MarkdownDocument.Slug("0001. Own Kinesis client (on AWSSDK.Core)").ShouldBe("0001-own-kinesis-client-on-awssdkcore");
        MarkdownDocument.Slug("Keep the [link](x.md) text").ShouldBe("keep-the-link-text");
        MarkdownDocument.Slug("snake_case and dash-case").ShouldBe("snake_case-and-dash-case");
    }

    internal static string? LinkProblem(MarkdownDocument document, string target)
    {
        if (External().IsMatch(target))
        {
            return null;
        }

        string? resolved = Resolve(document, target);
        if (resolved is null)
        {
            return "leads outside the repository";
        }

        if (!File.Exists(resolved) && !Directory.Exists(resolved))
        {
            return "leads to nothing: no such file or folder";
        }

        int hash = target.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0)
        {
            return null;
        }

        string anchor = target[(hash + 1)..];
        if (!resolved.EndsWith(".md", StringComparison.Ordinal) || !File.Exists(resolved))
        {
            return "has an anchor into something that is not a Markdown file";
        }

        HashSet<string> anchors = resolved == document.Path ? document.Anchors : MarkdownDocument.Read(resolved, Root).Anchors;
        return anchors.Contains(anchor) ? null : $"names #{anchor}, which no heading of {Path.GetRelativePath(Root, resolved)} makes (it has: {string.Join(", ", anchors.Order())})";
    }

    private static string? Resolve(MarkdownDocument document, string target)
    {
        int hash = target.IndexOf('#', StringComparison.Ordinal);
        string path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
        string resolved = path.Length == 0 ? document.Path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document.Path)!, path)).TrimEnd(Path.DirectorySeparatorChar);
        return resolved.StartsWith(Root, StringComparison.Ordinal) ? resolved : null;
    }

    private static bool NamesAFileOfTheRepository(string file) =>
        !file.StartsWith('/') && !file.StartsWith('-') && file.Contains('/', StringComparison.Ordinal) && file.IndexOfAny(['$', '<', '>']) < 0;

    private static IEnumerable<string> DocumentPaths() =>
        FrontDoors.Where(file => file != "docs/decisions/README.md" && File.Exists(Path.Combine(Root, file))).Concat(
            Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/')).Order(StringComparer.Ordinal));

    private static IEnumerable<MarkdownDocument> AllDocuments() => DocumentPaths().Select(Read);

    private static MarkdownDocument Read(string file) => MarkdownDocument.Read(Path.Combine(Root, file), Root);

    [GeneratedRegex(@"^(https?:|mailto:)")]
    private static partial Regex External();

    // ./out/Delivery.Worker validate config/x.json, docker run ... delivery describe /cfg.json, --config FILE.
    [GeneratedRegex(@"(?:Delivery\.Worker|\bdelivery)\s+(?:validate|describe)\s+(?<file>[^\s`'"";|)]+)|--config[= ](?<file>[^\s`'"";|)]+)")]
    private static partial Regex ConfigCommand();

    // dotnet run -c Release --project bench/X, dotnet publish src/Delivery.Worker, dotnet test Delivery.sln.
    [GeneratedRegex(@"dotnet\s+(?:(?:run|test|build)\b[^|;&\n]*?--project\s+|(?:publish|build|test)\s+)(?<project>[\w.][\w./-]*)")]
    private static partial Regex DotnetProject();

    [GeneratedRegex(@"[\s`'""(),=|]+")]
    private static partial Regex PathToken();

    // docs/<page>.md, "Heading"  or  docs/<page>.md ("Heading")  or a bare page; a heading must be on that page.
    [GeneratedRegex(@"(?<page>docs/[\w./-]+\.md)(?:(?:,\s*|\s+\()""(?<heading>[^""]+)"")?")]
    private static partial Regex DocsPointer();
}
