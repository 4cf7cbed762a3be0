using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// The fast path: a strict scanner for the response transforms usually send, <c>{"records":[...]}</c> whose results
/// hold only recordId, result, data and metadata.partitionKeys, each once, as strings without escapes. For results of
/// ~100 B, <see cref="System.Text.Json.Utf8JsonReader"/>'s per-token work alone kept reading below 300 MB/s; this
/// scans each string with one vectorised search. It accepts a subset of what the reader path accepts and gives the same
/// replies; anything else (an escape, another key, a result or data that does not read, anything malformed) makes it
/// give up, and the reader path reads the whole response again and alone decides errors and their messages.
/// </summary>
public static partial class FirehoseResponseReader
{
    // A string's scan ends at its closing quote, an escape, or a control character JSON does not allow in strings.
    private static readonly SearchValues<byte> StringStops = SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    /// <summary>Whether <paramref name="json"/> is read by the fast path (for tests).</summary>
    internal static bool UsedFastPath(ReadOnlySpan<byte> json)
    {
        using var replies = new TransformReplies(4);
        using var decoded = new DecodeBuffer((json.Length / 4 * 3) + 3);
        return TryReadFast(json, replies, decoded);
    }

    /// <summary>Reads <paramref name="json"/> into <paramref name="replies"/>; false when the reader path must (they are then partial).</summary>
    private static bool TryReadFast(ReadOnlySpan<byte> json, TransformReplies replies, DecodeBuffer decoded)
    {
        int at = Skip(json, 0);
        if (!Expect(json, ref at, (byte)'{') || !Key(json, ref at, out ReadOnlySpan<byte> name) || !name.SequenceEqual("records"u8)
            || !Expect(json, ref at, (byte)'['))
        {
            return false;
        }

        var keys = new KeysCache();
        if (!Expect(json, ref at, (byte)']'))
        {
            do
            {
                if (!Expect(json, ref at, (byte)'{') || !FastRecord(json, ref at, decoded, keys, out TransformReply reply))
                {
                    return false;
                }

                replies.Add(reply);
            }
            while (Expect(json, ref at, (byte)','));

            if (!Expect(json, ref at, (byte)']'))
            {
                return false;
            }
        }

        return Expect(json, ref at, (byte)'}') && Skip(json, at) == json.Length;
    }

    /// <summary>One result, <paramref name="at"/> past its '{'; moves past its '}'.</summary>
    private static bool FastRecord(ReadOnlySpan<byte> json, ref int at, DecodeBuffer decoded, KeysCache keysCache, out TransformReply reply)
    {
        reply = default;
        int index = -1;
        bool sawId = false;
        TransformResult? result = null;
        ReadOnlyMemory<byte>? data = null;
        IReadOnlyDictionary<string, string>? keys = null;
        bool sawMetadata = false;
        if (!Expect(json, ref at, (byte)'}'))
        {
            do
            {
                // The names are matched in place, quotes and colon included: no scan for where a name ends.
                at = Skip(json, at);
                if (Name(json, ref at, "\"recordId\""u8))
                {
                    // Only ASCII here: an id that is not valid UTF-8 is the reader path's to leave out.
                    if (sawId || !String(json, ref at, out ReadOnlySpan<byte> id) || !Ascii.IsValid(id))
                    {
                        return false;
                    }

                    sawId = true;
                    index = TransformReply.ParseRecordId(id);
                }
                else if (Name(json, ref at, "\"result\""u8))
                {
                    if (result is not null || !String(json, ref at, out ReadOnlySpan<byte> text) || FastResult(text) is not { } read)
                    {
                        return false;
                    }

                    result = read;
                }
                else if (Name(json, ref at, "\"data\""u8))
                {
                    if (data is not null || !LongString(json, ref at, out ReadOnlySpan<byte> base64) || !decoded.TryDecode(base64, out ReadOnlyMemory<byte> bytes))
                    {
                        return false;
                    }

                    data = bytes;
                }
                else if (Name(json, ref at, "\"metadata\""u8))
                {
                    if (sawMetadata || !FastMetadata(json, ref at, keysCache, out keys))
                    {
                        return false;
                    }

                    sawMetadata = true;
                }
                else
                {
                    return false;
                }
            }
            while (Expect(json, ref at, (byte)','));

            if (!Expect(json, ref at, (byte)'}'))
            {
                return false;
            }
        }

        // What the reader path turns into an invalid reply, or leaves out, is for it to say.
        if (!sawId || result is null || (result == TransformResult.Ok && data is null))
        {
            return false;
        }

        reply = result == TransformResult.Ok
            ? new TransformReply(index, TransformResult.Ok, data!.Value, keys)
            : new TransformReply(index, result.Value, default, null);
        return true;
    }

    private static TransformResult? FastResult(ReadOnlySpan<byte> text) =>
        text.SequenceEqual("Ok"u8) ? TransformResult.Ok
        : text.SequenceEqual("Dropped"u8) ? TransformResult.Dropped
        : text.SequenceEqual("ProcessingFailed"u8) ? TransformResult.ProcessingFailed
        : null;

    /// <summary><c>{"partitionKeys":{...}}</c>, string keys and values; the same text gives the same dictionary.</summary>
    private static bool FastMetadata(ReadOnlySpan<byte> json, ref int at, KeysCache cache, out IReadOnlyDictionary<string, string>? keys)
    {
        keys = null;
        if (!Expect(json, ref at, (byte)'{'))
        {
            return false;
        }

        at = Skip(json, at);
        if (!Name(json, ref at, "\"partitionKeys\""u8) || !Expect(json, ref at, (byte)'{'))
        {
            return false;
        }

        int start = at - 1;
        int entries = at;
        if (!Expect(json, ref at, (byte)'}'))
        {
            do
            {
                if (!Key(json, ref at, out _) || !String(json, ref at, out _))
                {
                    return false;
                }
            }
            while (Expect(json, ref at, (byte)','));

            if (!Expect(json, ref at, (byte)'}'))
            {
                return false;
            }
        }

        ReadOnlySpan<byte> text = json[start..at];
        if (!Expect(json, ref at, (byte)'}'))
        {
            return false;
        }

        if (cache.TryGet(text, out keys))
        {
            return true;
        }

        // Read again, now that the object is known to be whole: the strings become .NET strings, the last of a name wins.
        var read = new Dictionary<string, string>(StringComparer.Ordinal);
        int scan = entries;
        if (!Expect(json, ref scan, (byte)'}'))
        {
            do
            {
                Key(json, ref scan, out ReadOnlySpan<byte> key);
                String(json, ref scan, out ReadOnlySpan<byte> value);
                if (!Utf8.IsValid(key) || !Utf8.IsValid(value))
                {
                    return false;
                }

                read[Encoding.UTF8.GetString(key)] = Encoding.UTF8.GetString(value);
            }
            while (Expect(json, ref scan, (byte)','));
        }

        cache.Add(text, read);
        keys = read;
        return true;
    }

    /// <summary>Moves past <paramref name="quoted"/> (a name in quotes) and the ':' after it, if they come at <paramref name="at"/>.</summary>
    private static bool Name(ReadOnlySpan<byte> json, ref int at, ReadOnlySpan<byte> quoted)
    {
        int after = at + quoted.Length;
        if (!json[at..].StartsWith(quoted) || !Expect(json, ref after, (byte)':'))
        {
            return false;
        }

        at = after;
        return true;
    }

    /// <summary>A string and the ':' after it, <paramref name="at"/> on (or before whitespace before) its opening quote.</summary>
    private static bool Key(ReadOnlySpan<byte> json, ref int at, out ReadOnlySpan<byte> name) =>
        String(json, ref at, out name) && Expect(json, ref at, (byte)':');

    /// <summary>A string without escapes, its bytes between the quotes; <paramref name="at"/> moves past the closing quote.</summary>
    private static bool String(ReadOnlySpan<byte> json, ref int at, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!Expect(json, ref at, (byte)'"'))
        {
            return false;
        }

        // Names, ids and keys are short: a plain loop finds their end sooner than a vectorised search starts.
        int end = at;
        while (end < json.Length && json[end] is not ((byte)'"' or (byte)'\\' or < 0x20))
        {
            end++;
        }

        if (end == json.Length || json[end] != '"')
        {
            return false;
        }

        value = json[at..end];
        at = end + 1;
        return true;
    }

    /// <summary>As <see cref="String"/>, for strings long enough (base64 data) that a vectorised search pays.</summary>
    private static bool LongString(ReadOnlySpan<byte> json, ref int at, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!Expect(json, ref at, (byte)'"'))
        {
            return false;
        }

        int length = json[at..].IndexOfAny(StringStops);
        if (length < 0 || json[at + length] != '"')
        {
            return false;
        }

        value = json.Slice(at, length);
        at += length + 1;
        return true;
    }

    /// <summary>Skips whitespace, then moves past <paramref name="expected"/> if it comes next.</summary>
    private static bool Expect(ReadOnlySpan<byte> json, ref int at, byte expected)
    {
        int next = Skip(json, at);
        if (next < json.Length && json[next] == expected)
        {
            at = next + 1;
            return true;
        }

        return false;
    }

    private static int Skip(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length && json[at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            at++;
        }

        return at;
    }
}
