namespace Delivery.Kinesis.Client;

/// <summary>
/// GetRecords straight into a <see cref="RecordPage"/>: the response's base64 data is decoded into the page's native
/// memory, KPL aggregates are split in place, and no object is made per record. <see cref="KinesisClient"/> reads pages
/// this way; a client without it (the AWS SDK's, a test fake) is read through <see cref="IKinesisClient.GetRecordsAsync"/>
/// and its records copied into a page (<see cref="RecordPageResponse.FromResponse"/>).
/// </summary>
public interface IRecordPageSource
{
    /// <summary>One GetRecords call for <paramref name="shardId"/>; the caller owns the returned page.</summary>
    Task<RecordPageResponse> GetRecordPageAsync(GetRecordsRequest request, string shardId, CancellationToken cancellationToken = default);
}
