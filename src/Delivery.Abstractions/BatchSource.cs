using System.Security.Cryptography;
using System.Text;

namespace Delivery;

/// <summary>
/// The source range a batch covers: one shard of one stream, from <see cref="First"/> to <see cref="Last"/> inclusive.
/// A batch's identity is derived from this range alone, so the same records cut at the same points always give the same
/// id, whoever cuts them and whenever.
/// </summary>
public readonly record struct BatchSource(string StreamName, string ShardId, ShardPosition First, ShardPosition Last)
{
    /// <summary>
    /// A stable 32-character lowercase hex id: the first 16 bytes of SHA-256 over the stream, shard and both positions.
    /// Destinations use it as the S3 object id, the HTTP request id and the load key.
    /// </summary>
    public string DeterministicId()
    {
        string canonical = string.Join('\n', StreamName, ShardId, First.SequenceNumber, First.SubSequenceNumber, Last.SequenceNumber, Last.SubSequenceNumber);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(canonical), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
