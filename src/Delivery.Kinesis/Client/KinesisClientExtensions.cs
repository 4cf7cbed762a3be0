namespace Delivery.Kinesis.Client;

/// <summary>Multi-call helpers over <see cref="IKinesisClient"/>.</summary>
public static class KinesisClientExtensions
{
    /// <summary>
    /// Lists every shard of a stream (open and closed), following <c>NextToken</c> until the last page, and returns
    /// them in the order Kinesis lists them.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="streamName">The stream to list.</param>
    /// <param name="exclusiveStartShardId">List only shards after this one, or null for all.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    public static async Task<IReadOnlyList<Shard>> ListAllShardsAsync(
        this IKinesisClient client,
        string streamName,
        string? exclusiveStartShardId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamName);

        var shards = new List<Shard>();
        var request = new ListShardsRequest { StreamName = streamName, ExclusiveStartShardId = exclusiveStartShardId };
        while (true)
        {
            ListShardsResponse page = await client.ListShardsAsync(request, cancellationToken).ConfigureAwait(false);
            shards.AddRange(page.Shards);
            if (string.IsNullOrEmpty(page.NextToken))
            {
                return shards;
            }

            // Kinesis rejects a NextToken sent together with StreamName or ExclusiveStartShardId.
            request = new ListShardsRequest { NextToken = page.NextToken };
        }
    }

    /// <summary>
    /// Polls DescribeStreamSummary until the stream is ACTIVE. Throws <see cref="TimeoutException"/> with the last
    /// status seen when <paramref name="timeout"/> passes first, and <see cref="ResourceNotFoundException"/> when the
    /// stream does not exist.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="streamName">The stream to wait for.</param>
    /// <param name="timeout">How long to wait in total.</param>
    /// <param name="timeProvider">The clock for polls and the timeout; the system clock when null.</param>
    /// <param name="pollInterval">Time between polls; 250 ms when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public static async Task<StreamDescriptionSummary> WaitForStreamActiveAsync(
        this IKinesisClient client,
        string streamName,
        TimeSpan timeout,
        TimeProvider? timeProvider = null,
        TimeSpan? pollInterval = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamName);
        timeProvider ??= TimeProvider.System;

        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        string lastStatus = "unknown";
        try
        {
            while (true)
            {
                DescribeStreamSummaryResponse response = await client
                    .DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = streamName }, linked.Token)
                    .ConfigureAwait(false);
                lastStatus = response.StreamDescriptionSummary.StreamStatus;
                if (lastStatus == "ACTIVE")
                {
                    return response.StreamDescriptionSummary;
                }

                await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(250), timeProvider, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Kinesis stream '{streamName}' was not ACTIVE after {timeout} (last status {lastStatus}).", ex);
        }
    }

    /// <summary>
    /// One GetRecords call as a page owned by the caller: decoded in place when the client can
    /// (<see cref="IRecordPageSource"/>), copied from the SDK shape otherwise.
    /// </summary>
    public static async Task<RecordPageResponse> ReadRecordPageAsync(this IKinesisClient client, GetRecordsRequest request, string shardId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client is IRecordPageSource pages
            ? await pages.GetRecordPageAsync(request, shardId, cancellationToken).ConfigureAwait(false)
            : RecordPageResponse.FromResponse(await client.GetRecordsAsync(request, cancellationToken).ConfigureAwait(false), shardId);
    }
}
