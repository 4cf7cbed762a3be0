using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Delivery.Testing;
using Delivery.Worker.CommandLine;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.CommandLine;

public sealed class ConfigurationVerbTests
{
    static ConfigurationVerbTests()
    {
        // config/direct-put.json names the variables its key pairs' secrets come from, as a deployment sets them.
        Environment.SetEnvironmentVariable("DIRECT_PUT_SECRET_WEB", "test-secret-web");
        Environment.SetEnvironmentVariable("DIRECT_PUT_SECRET_AGENT", "test-secret-agent");

        // config/splunk.json reads its HEC token from this variable.
        Environment.SetEnvironmentVariable("SPLUNK_HEC_TOKEN_VPC_FLOW", "test-hec-token");
    }

    private static readonly string BrokenConfigs = Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "Delivery.UnitTests", "Worker", "CommandLine", "BrokenConfigs");

    public static TheoryData<string> BrokenExamples() => [.. Directory.GetFiles(BrokenConfigs, "*.json").Select(file => Path.GetFileName(file)!).Order()];

    public static TheoryData<string> ShippedExamples() => [.. Directory.GetFiles(Path.Combine(LocalAwsStack.RepositoryRoot, "config"), "*.json").Select(file => Path.GetFileName(file)!).Order()];

    [Theory]
    [MemberData(nameof(BrokenExamples))]
    public void Validate_PrintsEveryProblemOfABrokenExample_WithItsKeyPath(string file)
    {
        string path = Path.Combine(BrokenConfigs, file);
        string[] expected = [.. File.ReadLines(path).Where(line => line.StartsWith("// expect: ", StringComparison.Ordinal)).Select(line => line["// expect: ".Length..])];
        expected.ShouldNotBeEmpty($"{file} says what validate must print, in '// expect:' lines");
        var output = new StringWriter();

        int exitCode = ConfigurationVerb.Validate(Configuration(path), output);

        exitCode.ShouldBe(2);
        string[] printed = [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Trim())];
        printed.ShouldBe(expected, ignoreOrder: true, $"validate {file} printed:\n{output}");
    }

    [Theory]
    [MemberData(nameof(ShippedExamples))]
    public void Validate_AcceptsEveryShippedExample(string file)
    {
        var output = new StringWriter();

        int exitCode = ConfigurationVerb.Validate(Configuration(Path.Combine(LocalAwsStack.RepositoryRoot, "config", file)), output);

        exitCode.ShouldBe(0, output.ToString());
        output.ToString().ShouldStartWith("The Delivery configuration is valid");
    }

    [Theory]
    [MemberData(nameof(ShippedExamples))]
    public void AShippedExamplesComment_ThatGivesAQuantity_GivesTheValueItIsWrittenAbove(string file)
    {
        // A comment's numbers drift when the value beside it changes ("Firehose's defaults: 5 MiB" above 64). Whatever
        // else it says (a limit, a default elsewhere), a comment that speaks in MiB or seconds names the value it sits on.
        var reader = new Utf8JsonReader(File.ReadAllBytes(Path.Combine(LocalAwsStack.RepositoryRoot, "config", file)), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Allow });
        string comment = "";
        var wrong = new List<string>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Comment:
                    comment += " " + reader.GetComment();
                    break;
                case JsonTokenType.PropertyName when comment.Length > 0:
                    string key = reader.GetString()!;
                    List<(string Key, decimal Value)> values = NumbersOf(reader, key);
                    foreach ((string unit, Func<string, bool> measures) in new (string, Func<string, bool>)[] { ("MiB", k => k.Contains("MB", StringComparison.Ordinal) || k.EndsWith("MiB", StringComparison.Ordinal)), ("s", k => k.EndsWith("Seconds", StringComparison.Ordinal)) })
                    {
                        decimal[] claimed = [.. System.Text.RegularExpressions.Regex.Matches(comment, $@"(\d+(?:\.\d+)?) {unit}\b").Select(m => decimal.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
                        decimal[] actual = [.. values.Where(v => measures(v.Key)).Select(v => v.Value)];
                        if (claimed.Length > 0 && actual.Length > 0 && !claimed.Intersect(actual).Any())
                        {
                            wrong.Add($"the comment above {key} gives {string.Join(", ", claimed)} {unit}, but the file sets {string.Join(", ", actual)}:{comment}");
                        }
                    }

                    comment = "";
                    break;
                default:
                    comment = "";
                    break;
            }
        }

        wrong.ShouldBeEmpty(file);
    }

    // The numbers of a setting, or of every setting inside it, each with its own key. The reader is a copy (a struct),
    // so the caller's goes on to the comments inside.
    private static List<(string Key, decimal Value)> NumbersOf(Utf8JsonReader reader, string key)
    {
        var values = new List<(string, decimal)>();
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number)
        {
            values.Add((key, reader.GetDecimal()));
        }

        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return values;
        }

        int depth = reader.CurrentDepth;
        string current = key;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                current = reader.GetString()!;
            }
            else if (reader.TokenType == JsonTokenType.Number)
            {
                values.Add((current, reader.GetDecimal()));
            }
        }

        return values;
    }

    [Theory]
    [MemberData(nameof(ShippedExamples))]
    public void Describe_PrintsTheEffectiveConfiguration_AsAFileThatValidatesToTheSameOptions(string file)
    {
        var output = new StringWriter();

        ConfigurationVerb.Describe(Configuration(Path.Combine(LocalAwsStack.RepositoryRoot, "config", file)), output).ShouldBe(0);

        if (output.ToString().Contains("(hidden)", StringComparison.Ordinal))
        {
            // A secret is not printed, so this output cannot be read back as the same configuration.
            return;
        }

        // Read back on its own, with no appsettings.json under it, it must mean exactly the same.
        var again = new StringWriter();
        IConfiguration described = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(output.ToString()))).Build();
        ConfigurationVerb.Describe(described, again).ShouldBe(0, again.ToString());
        again.ToString().ShouldBe(output.ToString());
        using JsonDocument json = JsonDocument.Parse(output.ToString());
        foreach (JsonProperty pipeline in json.RootElement.GetProperty("Delivery").GetProperty("Pipelines").EnumerateObject())
        {
            pipeline.Value.GetProperty("Kinesis").GetProperty("Leases").GetProperty("TableName").GetString().ShouldNotBeNullOrEmpty("lease table names are resolved");
            pipeline.Value.GetProperty("Kinesis").GetProperty("Leases").GetProperty("PlanTableName").GetString().ShouldBe($"delivery-{pipeline.Name}-plans", "plan table names are resolved");
            pipeline.Value.GetProperty("Buffering").GetProperty("SizeInMBs").GetInt32().ShouldBeGreaterThan(0, "defaults are filled in");
            pipeline.Value.GetProperty("Buffering").GetProperty("Scope").GetString().ShouldBe("Shard", "the scope is printed");
        }
    }

    [Fact]
    public void Describe_HidesEverySecret_WhereverTheConfigurationCanHoldOne()
    {
        var output = new StringWriter();

        ConfigurationVerb.Describe(new ConfigurationBuilder().AddInMemoryCollection(EverySecretPlace()).Build(), output).ShouldBe(0, output.ToString());

        string described = output.ToString();
        foreach (string secret in Secrets)
        {
            described.ShouldNotContain(secret, Case.Insensitive, $"describe printed the secret '{secret}':\n{described}");
        }

        // What is not secret stays readable: the output is for people checking a configuration.
        foreach (string shown in new[]
        {
            "Host=cluster.example.com;Port=5439;Database=dev;Username=loader;Password=(hidden)", "\"KeyColumns\": [\n", "\"order_id\"",
            "ACCESS_KEY_ID '(hidden)'", "FORMAT AS JSON 'auto'", "\"X-Tenant\": \"acme\"", "\"Authorization\": \"(hidden)\"",
            "\"region\": \"eu-west-1\"", "https://(hidden)@receiver.example.com/in?api_key=(hidden)&env=(hidden)",
            "\"MetadataExtractionQuery\": \"{customer: .customer}\"", "arn:aws:lambda:eu-west-1:123456789012:function:enrich", "\"env\": \"prod\"",
            "\"SourceArn\": \"arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks\"",
        })
        {
            described.ShouldContain(shown, Case.Sensitive, described);
        }
    }

    [Fact]
    public void Validate_NeverPrintsASecret_InItsMessages()
    {
        Dictionary<string, string?> settings = EverySecretPlace();
        settings["Delivery:Pipelines:clicks:HttpEndpoint:Url"] = "receiver.example.com/in?api_key=querysecret";
        settings["Delivery:Pipelines:clicks:Processing:Processors:0:Url"] = "sidecar/transform?token=transformquerysecret";
        settings["Delivery:Telemetry:Otlp:Endpoint"] = "ftp://otlp:otlpsecret@collector.example.com/?key=otlpquerysecret";
        settings["Delivery:Aws:ServiceUrls:Lambda"] = "ftp://aws:awspass@localhost:4566/";
        settings["Delivery:Pipelines:orders:Redshift:ConnectionString"] = "Host=cluster.example.com;Password=pgsecret;NoSuchKeyword=1";
        settings["Delivery:Pipelines:orders:Redshift:CopyOptions"] = "ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'copysecret'; DROP TABLE x";
        var output = new StringWriter();

        ConfigurationVerb.Validate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), output).ShouldBe(2);

        string printed = output.ToString();
        printed.ShouldContain("Delivery:Pipelines:clicks:HttpEndpoint:Url");
        printed.ShouldContain("Delivery:Telemetry:Otlp:Endpoint");
        printed.ShouldContain("Delivery:Pipelines:orders:Redshift:ConnectionString");
        foreach (string secret in Secrets)
        {
            printed.ShouldNotContain(secret, Case.Insensitive, $"validate printed the secret '{secret}':\n{printed}");
        }
    }

    private static readonly string[] Secrets =
    [
        "accesskeysecret", "urlpass", "querysecret", "attrsecret", "pgsecret", "AKIAEXAMPLE", "copysecret", "copytoken", "headersecret",
        "apikeysecret", "transformpass", "transformquerysecret", "pluginkeysecret", "settingspw", "pluginurlsecret", "otlpsecret",
        "otlpquerysecret", "awspass",
    ];

    // Every place a secret can sit: settings named as secrets, names a user chooses (headers, plugin settings, common
    // attributes), the password inside a connection string, credentials in COPY options, and URLs' user info and query.
    private static Dictionary<string, string?> EverySecretPlace() => new()
    {
        ["Delivery:Aws:Region"] = "eu-west-1",
        ["Delivery:Aws:ServiceUrls:Lambda"] = "http://aws:awspass@localhost:4566/",
        ["Delivery:Telemetry:Otlp:Endpoint"] = "https://otlp:otlpsecret@collector.example.com:4318/?key=otlpquerysecret",
        ["Delivery:Pipelines:clicks:Kinesis:StreamName"] = "clickstream",
        ["Delivery:Pipelines:clicks:HttpEndpoint:Url"] = "https://user:urlpass@receiver.example.com/in?api_key=querysecret&env=prod",
        ["Delivery:Pipelines:clicks:HttpEndpoint:AccessKey"] = "accesskeysecret",
        ["Delivery:Pipelines:clicks:HttpEndpoint:CommonAttributes:env"] = "prod",
        ["Delivery:Pipelines:clicks:HttpEndpoint:CommonAttributes:api-token"] = "attrsecret",
        ["Delivery:Pipelines:clicks:HttpEndpoint:SourceArn"] = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks",
        ["Delivery:Pipelines:clicks:Backup:BucketName"] = "acme-backup",
        ["Delivery:Pipelines:clicks:Processing:Processors:0:Type"] = "Http",
        ["Delivery:Pipelines:clicks:Processing:Processors:0:Url"] = "http://transform:transformpass@localhost:9000/transform?token=transformquerysecret",
        ["Delivery:Pipelines:clicks:Processing:Processors:0:Headers:Authorization"] = "Bearer headersecret",
        ["Delivery:Pipelines:clicks:Processing:Processors:0:Headers:X-Api-Key"] = "apikeysecret",
        ["Delivery:Pipelines:clicks:Processing:Processors:0:Headers:X-Tenant"] = "acme",
        ["Delivery:Pipelines:clicks:Processing:Processors:1:Type"] = "Plugin",
        ["Delivery:Pipelines:clicks:Processing:Processors:1:Directory"] = AppContext.BaseDirectory,
        ["Delivery:Pipelines:clicks:Processing:Processors:1:Settings:region"] = "eu-west-1",
        ["Delivery:Pipelines:clicks:Processing:Processors:1:Settings:apiKey"] = "pluginkeysecret",
        ["Delivery:Pipelines:clicks:Processing:Processors:1:Settings:connectionString"] = "Server=db;User Id=enricher;Password=settingspw",
        ["Delivery:Pipelines:clicks:Processing:Processors:1:Settings:lookupUrl"] = "https://lookup.example.com/v1?sig=pluginurlsecret",
        ["Delivery:Pipelines:orders:Kinesis:StreamName"] = "orders",
        ["Delivery:Pipelines:orders:Redshift:ConnectionString"] = "Host=cluster.example.com;Port=5439;Database=dev;Username=loader;Password=pgsecret",
        ["Delivery:Pipelines:orders:Redshift:Table"] = "sales.orders",
        ["Delivery:Pipelines:orders:Redshift:KeyColumns:0"] = "order_id",
        ["Delivery:Pipelines:orders:Redshift:CopyOptions"] = "FORMAT AS JSON 'auto' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'copysecret' SESSION_TOKEN 'copytoken'",
        ["Delivery:Pipelines:orders:Redshift:IntermediateS3:BucketName"] = "acme-staging",
        ["Delivery:Pipelines:orders:Backup:BucketName"] = "acme-backup",
        ["Delivery:Pipelines:lake:Kinesis:StreamName"] = "lake",
        ["Delivery:Pipelines:lake:S3:BucketName"] = "acme-lake",
        ["Delivery:Pipelines:lake:S3:Prefix"] = "customer=!{partitionKeyFromQuery:customer}/",
        ["Delivery:Pipelines:lake:DynamicPartitioning:Enabled"] = "true",
        ["Delivery:Pipelines:lake:Processing:Processors:0:Type"] = "Lambda",
        ["Delivery:Pipelines:lake:Processing:Processors:0:LambdaArn"] = "arn:aws:lambda:eu-west-1:123456789012:function:enrich",
        ["Delivery:Pipelines:lake:Processing:Processors:1:Type"] = "MetadataExtraction",
        ["Delivery:Pipelines:lake:Processing:Processors:1:MetadataExtractionQuery"] = "{customer: .customer}",
    };

    [Fact]
    public async Task TheWorkerBinary_RunsTheVerbs_WithTheExitCodesTheReadmeGives()
    {
        string broken = Path.Combine(BrokenConfigs, "out-of-range.json");
        (int validBrokenExit, string validBrokenOutput) = await RunWorkerAsync("validate", broken);
        validBrokenExit.ShouldBe(2);
        validBrokenOutput.ShouldContain("Delivery:Pipelines:clicks:Buffering:SizeInMBs: value '500' is invalid");

        (int validExit, string validOutput) = await RunWorkerAsync("validate", "--config", Path.Combine(LocalAwsStack.RepositoryRoot, "config", "production.json"));
        validExit.ShouldBe(0, validOutput);

        (int missingExit, string missingOutput) = await RunWorkerAsync("validate", Path.Combine(BrokenConfigs, "no-such-file.json"));
        missingExit.ShouldBe(2);
        missingOutput.ShouldContain("no-such-file.json");

        (int importExit, string importOutput) = await RunWorkerAsync("import-firehose", Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "Delivery.UnitTests", "Worker", "CommandLine", "FirehoseSamples", "s3-lambda-dynamic-partitioning.json"));
        importExit.ShouldBe(0, importOutput);
        importOutput.ShouldContain("\"BucketName\": \"acme-datalake-raw\"");

        (int healthExit, string healthOutput) = await RunWorkerAsync("health", "--port", "9");
        healthExit.ShouldBe(1, "nothing listens on port 9");
        healthOutput.ShouldContain("did not answer");
    }

    internal static IConfiguration Configuration(string file) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(LocalAwsStack.RepositoryRoot, "appsettings.json"))
            .AddJsonFile(file)
            .Build();

    internal static Task<(int ExitCode, string Output)> RunWorkerAsync(params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Delivery.Worker.dll"), .. arguments]);
}
