using System.IO.Hashing;
using System.Security.Cryptography;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// The hash of the column dictionaries, seeded per process so that values built to collide (records are user input)
/// cannot turn a dictionary's lookups quadratic. Dictionaries keep their entries in the order first seen, so the seed
/// never changes what a file holds. Byte strings use XXH3, which measured faster than a hand-written 8-bytes-at-a-time
/// hash at every length from 2 to 300 bytes (2.5 against 5 ns at 16 bytes, 10 against 16 at 100).
/// </summary>
internal static class ValueHash
{
    private static readonly long Seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    public static int Of(long value)
    {
        // MurmurHash3's 64-bit finaliser: every input bit reaches the low bits the table uses.
        ulong hash = (ulong)(value ^ Seed);
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCD;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53;
        return (int)(hash ^ (hash >> 33));
    }

    public static int Of(ReadOnlySpan<byte> value) => (int)XxHash3.HashToUInt64(value, Seed);
}
