namespace Delivery.Kinesis.Client;

/// <summary>
/// The Kinesis Data Streams operations Delivery uses, named and shaped after the AWS SDK's <c>IAmazonKinesis</c> so
/// that an adapter over <c>AmazonKinesisClient</c> can replace <c>KinesisClient</c> by changing one registration.
/// </summary>
/// <remarks>
/// Every call retries throttling (ProvisionedThroughputExceeded, LimitExceeded) and server errors itself, with
/// exponential backoff and jitter, as the SDK does; callers do not add another retry layer. Failures surface as
/// <see cref="AmazonKinesisException"/> subclasses.
/// </remarks>
public interface IKinesisClient
{
    Task<DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(DescribeStreamSummaryRequest request, CancellationToken cancellationToken = default);

    Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default);

    Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default);

    Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default);

    Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken = default);

    Task<CreateStreamResponse> CreateStreamAsync(CreateStreamRequest request, CancellationToken cancellationToken = default);
}
