using System.ComponentModel.DataAnnotations;

namespace Delivery.Aws;

/// <summary>Where Delivery finds AWS: the region and, for emulators or LocalStack, endpoint overrides.</summary>
public sealed class AwsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Delivery:Aws";

    /// <summary>
    /// The AWS region every client signs for and, without an override, sends to. Default <c>us-east-1</c>; set it for
    /// real AWS, where requests signed for the wrong region are rejected.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[a-z0-9-]+$", ErrorMessage = "Region must look like 'us-east-1'.")]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Per-service endpoint overrides; all null (the public AWS endpoints) by default.</summary>
    [Required]
    public AwsServiceUrls ServiceUrls { get; set; } = new();
}

/// <summary>Endpoint overrides for LocalStack or emulators (kinesalite, dynalite, s3rver). Null means the AWS endpoint.</summary>
public sealed class AwsServiceUrls
{
    /// <summary>Kinesis Data Streams endpoint, for example <c>http://localhost:4566</c>. Default null.</summary>
    public Uri? Kinesis { get; set; }

    /// <summary>DynamoDB endpoint (lease and checkpoint table). Default null.</summary>
    public Uri? DynamoDb { get; set; }

    /// <summary>S3 endpoint (destination and backup buckets). Default null.</summary>
    public Uri? S3 { get; set; }

    /// <summary>Lambda endpoint (Lambda transforms). Default null.</summary>
    public Uri? Lambda { get; set; }
}
