namespace Delivery.Transforms.Processing;

/// <summary>
/// What a pipeline tells its transforms about itself: the ARNs and region of a Firehose event. Delivery has no delivery
/// stream in AWS; its ARN is formed the way Firehose forms one, from the configured account id and the pipeline's name.
/// </summary>
/// <param name="Region">The region the worker runs in (<c>Delivery:Aws:Region</c>).</param>
/// <param name="AccountId">The 12-digit account id put into ARNs.</param>
/// <param name="DeliveryStreamName">The pipeline's name.</param>
public sealed record TransformEnvironment(string Region, string AccountId, string DeliveryStreamName)
{
    /// <summary>The account id used when none is configured and no Lambda ARN names one.</summary>
    public const string UnknownAccountId = "000000000000";

    public string DeliveryStreamArn => $"arn:aws:firehose:{Region}:{AccountId}:deliverystream/{DeliveryStreamName}";

    public string KinesisStreamArn(string streamName) => $"arn:aws:kinesis:{Region}:{AccountId}:stream/{streamName}";
}
