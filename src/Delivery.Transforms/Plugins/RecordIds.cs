using System.Globalization;
using System.Numerics;

namespace Delivery.Transforms.Plugins;

/// <summary>
/// The recordIds of plugin invocations, "0", "1", ...: the same few thousand strings in every invocation, made once
/// for the life of the process instead of once per record.
/// </summary>
internal static class RecordIds
{
    // An invocation of 1 MB of 100-byte records has about 10,000; beyond this, ids are made as needed.
    private const int MaxKept = 1 << 16;

    private static string[] s_ids = [];

    public static string Of(int index)
    {
        string[] ids = Volatile.Read(ref s_ids);
        if ((uint)index < (uint)ids.Length)
        {
            return ids[index];
        }

        if (index >= MaxKept)
        {
            return index.ToString(CultureInfo.InvariantCulture);
        }

        // Racing threads each make a table; any of them is right, and the last one published is kept.
        int length = Math.Min(MaxKept, Math.Max(1024, (int)BitOperations.RoundUpToPowerOf2((uint)index + 1)));
        string[] grown = new string[length];
        ids.CopyTo(grown, 0);
        for (int i = ids.Length; i < grown.Length; i++)
        {
            grown[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        Volatile.Write(ref s_ids, grown);
        return grown[index];
    }
}
