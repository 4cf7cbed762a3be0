using System.Reflection;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Delivery.Kinesis.Client;
using Delivery.Testing;

namespace Delivery.UnitTests.Infra;

/// <summary>
/// The task role in infra/cloudformation/delivery.yaml grants exactly the AWS actions the worker's code calls: every
/// call on an AWS client in src/ (the load generator aside, which is not deployed) maps to an IAM action, as does a
/// request setting that makes S3 call KMS for the worker, and the policy must hold those and nothing else.
/// </summary>
public sealed partial class IamPolicyTests
{
    // Each AWS client the worker calls through, and its IAM service prefix. A new client (Lambda, Redshift Data) goes here.
    private static readonly (Type Client, string Service)[] Clients =
    [
        (typeof(IAmazonS3), "s3"),
        (typeof(IAmazonDynamoDB), "dynamodb"),
        (typeof(IKinesisClient), "kinesis"),
        (typeof(Delivery.Transforms.Lambda.ILambdaInvoker), "lambda"),
    ];

    // Calls whose IAM action is not the operation's own name.
    private static readonly Dictionary<string, string> ActionOfOperation = new(StringComparer.Ordinal)
    {
        ["s3:InitiateMultipartUpload"] = "s3:PutObject",
        ["s3:UploadPart"] = "s3:PutObject",
        ["s3:CompleteMultipartUpload"] = "s3:PutObject",
        ["s3:HeadBucket"] = "s3:ListBucket",
        ["s3:ListObjectsV2"] = "s3:ListBucket",
        ["s3:GetObjectMetadata"] = "s3:GetObject",
        ["s3:DeleteObjects"] = "s3:DeleteObject",
        ["kinesis:ListAllShards"] = "kinesis:ListShards",
        ["kinesis:WaitForStreamActive"] = "kinesis:DescribeStreamSummary",
        ["kinesis:ReadRecordPage"] = "kinesis:GetRecords",
        ["lambda:Invoke"] = "lambda:InvokeFunction",
    };

    // Request settings that make S3 call another service on the caller's behalf, with the caller's permissions: SSE-KMS
    // makes S3 ask KMS for a data key on every put (GenerateDataKey) and decrypt it to complete a multipart upload (Decrypt).
    private static readonly (string Setting, string[] Actions)[] ImpliedBySettings =
    [
        ("ServerSideEncryptionKeyManagementServiceKeyId", ["kms:GenerateDataKey", "kms:Decrypt"]),
    ];

    private static readonly string Template = Path.Combine(LocalAwsStack.RepositoryRoot, "infra", "cloudformation", "delivery.yaml");

    [Fact]
    public void TheTaskRole_GrantsEveryActionTheCodeCalls_AndNothingMore()
    {
        Dictionary<string, List<string>> called = ActionsCalledByTheWorker();
        string[] block = TaskRoleBlock();
        HashSet<string> granted = [.. block.Select(line => PolicyActionLine().Match(line)).Where(m => m.Success).Select(m => m.Groups[1].Value)];
        HashSet<string> expected = [.. called.Keys];

        // The stack creates the lease and plan tables itself and tells the worker not to, so CreateTable is never called
        // there, nor UpdateTimeToLive, which only follows creating the plan table.
        string template = File.ReadAllText(Template);
        if (template.Contains("__Kinesis__Leases__CreateTableIfMissing\", Value: \"false\"", StringComparison.Ordinal))
        {
            expected.Remove("dynamodb:CreateTable");
            expected.Remove("dynamodb:UpdateTimeToLive");
        }

        // Calls made only by a destination the stack does not deploy (the Redshift and PostgreSQL loaders read staged
        // objects back) are needed only where that destination is configured. redrive is an operator's one-off command,
        // run with the operator's credentials (docs/redrive.md lists what it needs): the long-running worker keeps
        // write-only access to its buckets.
        bool deploysRedshift = template.Contains("__Redshift__", StringComparison.Ordinal);
        bool NotTheTaskRoles(string file) =>
            (file.StartsWith("Delivery.Destinations/Redshift/", StringComparison.Ordinal) && !deploysRedshift) ||
            file.StartsWith("Delivery.Worker/Redrive/", StringComparison.Ordinal);
        foreach ((string action, List<string> files) in called)
        {
            if (files.All(NotTheTaskRoles))
            {
                expected.Remove(action);
            }
        }

        called.Keys.ShouldContain("kinesis:GetRecords", "the scan must find the worker's calls at all");
        string Where(string action) => called.TryGetValue(action, out List<string>? files) ? string.Join(", ", files.Distinct()) : "";
        expected.Except(granted).ShouldBeEmpty($"called by the code but not granted: {string.Join("; ", expected.Except(granted).Select(a => $"{a} ({Where(a)})"))}");
        granted.Except(expected).ShouldBeEmpty("granted but never called by the code");
    }

    [Fact]
    public void TheTaskRole_GrantsOnlyOnTheConfiguredResources()
    {
        string[] block = TaskRoleBlock();

        block.ShouldNotContain(line => line.TrimEnd().EndsWith("Resource: \"*\"", StringComparison.Ordinal) || line.TrimEnd().EndsWith("Resource: '*'", StringComparison.Ordinal) || line.TrimEnd().EndsWith("- \"*\"", StringComparison.Ordinal));
        string text = string.Join('\n', block);
        text.ShouldContain(":stream/${StreamName}");
        text.ShouldContain("!GetAtt LeaseTable.Arn");
        text.ShouldContain(":s3:::${BucketName}/*");
    }

    [Fact]
    public void TheKmsKey_IsGrantedOnlyWhenSet_OnThatKeyAlone_AndTheWorkerWritesWithIt()
    {
        string text = string.Join('\n', TaskRoleBlock());
        string template = File.ReadAllText(Template);

        int kms = text.IndexOf("- kms:GenerateDataKey", StringComparison.Ordinal);
        kms.ShouldBeGreaterThan(0);
        string statement = text[text.LastIndexOf("- !If", kms, StringComparison.Ordinal)..text.IndexOf("AWS::NoValue", kms, StringComparison.Ordinal)];
        statement.ShouldContain("HasKmsKey");
        statement.ShouldContain("Resource: !Ref KmsKeyArn");
        template.ShouldContain("HasKmsKey: !Not [!Equals [!Ref KmsKeyArn, \"\"]]");
        template.ShouldContain("__S3__EncryptionConfiguration__KMSEncryptionConfig__AWSKMSKeyARN\", Value: !Ref KmsKeyArn }");
    }

    private static Dictionary<string, List<string>> ActionsCalledByTheWorker()
    {
        var operations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((Type client, string service) in Clients)
        {
            foreach (MethodInfo method in client.GetMethods().Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal)))
            {
                operations[method.Name] = service;
            }
        }

        foreach (MethodInfo method in typeof(KinesisClientExtensions).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal)))
        {
            operations[method.Name] = "kinesis";
        }

        var called = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string src = Path.Combine(LocalAwsStack.RepositoryRoot, "src");

        // The OpenSearch destination signs its own HTTP requests for service es: each method it sends is es:ESHttp<Method>.
        foreach (string file in Directory.EnumerateFiles(Path.Combine(src, "Delivery.Destinations", "OpenSearch"), "*.cs"))
        {
            foreach (Match method in HttpMethodUsed().Matches(File.ReadAllText(file)))
            {
                string action = "es:ESHttp" + method.Groups[1].Value;
                (called.TryGetValue(action, out List<string>? files) ? files : called[action] = []).Add("Delivery.Destinations/OpenSearch/" + Path.GetFileName(file));
            }
        }

        foreach (string file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(src, file).Replace('\\', '/');

            // The load generator is not deployed; the Kinesis client's own files define the operations rather than call them.
            if (relative.StartsWith("Delivery.LoadGenerator/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal)
                || relative.StartsWith("Delivery.Kinesis/Client/", StringComparison.Ordinal))
            {
                continue;
            }

            string code = File.ReadAllText(file);
            foreach ((string setting, string[] actions) in ImpliedBySettings)
            {
                if (code.Contains($".{setting} =", StringComparison.Ordinal))
                {
                    foreach (string action in actions)
                    {
                        (called.TryGetValue(action, out List<string>? files) ? files : called[action] = []).Add(relative);
                    }
                }
            }

            foreach (Match call in MethodCall().Matches(code))
            {
                if (operations.TryGetValue(call.Groups[1].Value, out string? service))
                {
                    string operation = $"{service}:{call.Groups[1].Value[..^"Async".Length]}";
                    string action = ActionOfOperation.GetValueOrDefault(operation, operation);
                    (called.TryGetValue(action, out List<string>? files) ? files : called[action] = []).Add(relative);
                }
            }
        }

        return called;
    }

    private static string[] TaskRoleBlock()
    {
        string[] lines = File.ReadAllLines(Template);
        int start = Array.FindIndex(lines, line => line == "  TaskRole:");
        start.ShouldBeGreaterThan(0, "the template has a TaskRole resource");
        int end = Array.FindIndex(lines, start + 1, line => line.Length > 2 && line.StartsWith("  ", StringComparison.Ordinal) && line[2] != ' ' && line[2] != '#');
        return lines[start..(end < 0 ? lines.Length : end)];
    }

    [GeneratedRegex(@"\.\s*([A-Z][A-Za-z0-9]*Async)\s*\(")]
    private static partial Regex MethodCall();

    [GeneratedRegex(@"HttpMethod\.(Get|Post|Put|Delete|Head|Patch)\b")]
    private static partial Regex HttpMethodUsed();

    [GeneratedRegex(@"^\s*-\s*([a-z0-9-]+:[A-Za-z0-9*]+)\s*$")]
    private static partial Regex PolicyActionLine();
}
