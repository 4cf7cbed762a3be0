using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// The hash of the column dictionaries: 8 bytes at a time with a 64-bit finaliser, seeded per process so that values
/// built to collide (records are user input) cannot turn a dictionary's lookups quadratic. Dictionaries keep their
/// entries in the order first seen, so the seed never changes what a file holds.
/// </summary>
internal static class ValueHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4F;
    private static readonly ulong Seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    public static int Of(long value) => (int)Finish((ulong)value ^ Seed);

    public static int Of(ReadOnlySpan<byte> value)
    {
        ulong hash = Seed ^ ((ulong)value.Length * Prime1);
        int at = 0;
        for (; at + 8 <= value.Length; at += 8)
        {
            hash = Round(hash, MemoryMarshal.Read<ulong>(value[at..]));
        }

        int rest = value.Length - at;
        if (rest >= 4)
        {
            // The last four bytes may overlap the first four: both are read, so every byte counts.
            ulong tail = ((ulong)MemoryMarshal.Read<uint>(value[at..]) << 32) | MemoryMarshal.Read<uint>(value[^4..]);
            hash = Round(hash, tail);
        }
        else if (rest > 0)
        {
            ulong tail = ((ulong)value[at] << 16) | ((ulong)value[at + (rest >> 1)] << 8) | value[^1];
            hash = Round(hash, tail);
        }

        return (int)Finish(hash);
    }

    private static ulong Round(ulong hash, ulong input) => BitOperations.RotateLeft(hash ^ (input * Prime2), 31) * Prime1;

    private static ulong Finish(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCD;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53;
        return hash ^ (hash >> 33);
    }
}
