using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Delivery.Worker.CommandLine;

/// <summary>Firehose's Amazon OpenSearch Service and (older) Elasticsearch destinations, which describe themselves alike.</summary>
internal static partial class FirehoseImporter
{
    private static void MapOpenSearch(JsonElement openSearch, JsonObject pipeline, List<string> notes, string? pipelineRegion)
    {
        MapBuffering(openSearch, pipeline);
        var destination = new JsonObject();
        string? domainArn = Text(openSearch, "DomainARN");
        string? endpoint = Text(openSearch, "ClusterEndpoint");
        if (endpoint is not null)
        {
            destination["Endpoint"] = endpoint;
            if (endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                destination["AllowPlainHttp"] = true;
            }
        }
        else
        {
            notes.Add($"Firehose names the domain ({domainArn ?? "no DomainARN either"}), not its endpoint: set OpenSearch:Endpoint to the domain's endpoint, from 'aws opensearch describe-domain --domain-name {DomainName(domainArn)} --query DomainStatus.Endpoint' (DomainStatus.Endpoints.vpc for a domain in a VPC), with https:// before it.");
        }

        destination["IndexName"] = Text(openSearch, "IndexName");
        if (Text(openSearch, "TypeName") is { Length: > 0 } type)
        {
            destination["TypeName"] = type;
        }

        if (Text(openSearch, "IndexRotationPeriod") is { } rotation)
        {
            destination["IndexRotationPeriod"] = rotation;
        }

        if (RetryDuration(openSearch) is { } retry)
        {
            destination["RetryDurationSeconds"] = retry;
        }

        if (Text(openSearch, "S3BackupMode") is "AllDocuments")
        {
            destination["S3BackupMode"] = "AllDocuments";
        }

        if (openSearch.TryGetProperty("DocumentIdOptions", out JsonElement ids) && Text(ids, "DefaultDocumentIdFormat") == "NO_DOCUMENT_ID")
        {
            destination["DocumentIdFormat"] = "None";
        }

        // Requests are signed for the domain's region, which need not be the stream's.
        string? domainRegion = RegionOf(domainArn) ?? (endpoint is null ? null : DomainEndpoint().Match(endpoint) is { Success: true } match ? match.Groups[1].Value : null);
        var authentication = new JsonObject { ["Mode"] = "SigV4" };
        if (domainRegion is not null && domainRegion != pipelineRegion)
        {
            authentication["Region"] = domainRegion;
        }

        destination["Authentication"] = authentication;
        pipeline["OpenSearch"] = destination;
        if (Text(openSearch, "RoleARN") is { } role)
        {
            notes.Add($"Firehose indexed as role {role}; Delivery signs its requests (SigV4, service es) with the task role, which needs es:ESHttpPost on the domain, and the domain's access policy (or fine-grained access control's role mapping) must let that role write.");
        }

        if (openSearch.TryGetProperty("VpcConfigurationDescription", out JsonElement vpc) && vpc.ValueKind == JsonValueKind.Object)
        {
            notes.Add($"Firehose reached the domain inside VPC {Text(vpc, "VpcId") ?? "(unnamed)"}: run the worker in subnets that can reach the domain's VPC endpoint, with a security group the domain accepts.");
        }

        if (openSearch.TryGetProperty("S3DestinationDescription", out JsonElement backupBucket))
        {
            MapBackupBucket(backupBucket, pipeline);
        }

        MapProcessing(openSearch, pipeline, notes);
    }

    private static string DomainName(string? domainArn) =>
        domainArn is not null && domainArn.LastIndexOf('/') is var slash and >= 0 ? domainArn[(slash + 1)..] : "<domain>";

    [GeneratedRegex(@"\.([a-z]{2}(?:-[a-z]+)+-\d)\.(?:es|aoss)\.amazonaws\.com", RegexOptions.IgnoreCase)]
    private static partial Regex DomainEndpoint();
}
