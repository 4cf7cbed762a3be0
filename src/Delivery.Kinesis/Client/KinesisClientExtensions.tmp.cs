namespace Delivery.Kinesis.Client;

// Placeholder until the client branch lands with the real pagination helper.
public static class KinesisClientExtensions
{
    public static async Task<IReadOnlyList<Shard>> ListAllShardsAsync(this IKinesisClient client, string streamName, string? exclusiveStartShardId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ListShardsResponse page = await client.ListShardsAsync(new ListShardsRequest { StreamName = streamName, ExclusiveStartShardId = exclusiveStartShardId }, cancellationToken).ConfigureAwait(false);
        var shards = new List<Shard>(page.Shards);
        while (page.NextToken is { } token)
        {
            page = await client.ListShardsAsync(new ListShardsRequest { NextToken = token }, cancellationToken).ConfigureAwait(false);
            shards.AddRange(page.Shards);
        }

        return shards;
    }
}
