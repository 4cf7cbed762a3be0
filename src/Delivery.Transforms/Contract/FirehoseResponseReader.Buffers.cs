using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Delivery.Transforms.Contract;

/// <summary>What one read of a response keeps besides the replies: its partition keys and its decoded data.</summary>
public static partial class FirehoseResponseReader
{
    /// <summary>Partition keys by the JSON text they were read from, for the results of one response.</summary>
    private sealed class KeysCache
    {
        // Beyond this many different key sets a response gets no further help: each then has its own dictionary.
        private const int Capacity = 64;
        private readonly List<(byte[] Text, IReadOnlyDictionary<string, string> Keys)> _entries = [];
        private int _last;

        public bool TryGet(ReadOnlySpan<byte> text, out IReadOnlyDictionary<string, string>? keys)
        {
            for (int tried = 0; tried < _entries.Count; tried++)
            {
                int at = (_last + tried) % _entries.Count;
                if (_entries[at].Text.AsSpan().SequenceEqual(text))
                {
                    _last = at;
                    keys = _entries[at].Keys;
                    return true;
                }
            }

            keys = null;
            return false;
        }

        public void Add(ReadOnlySpan<byte> text, IReadOnlyDictionary<string, string> keys)
        {
            if (_entries.Count < Capacity)
            {
                _entries.Add((text.ToArray(), keys));
            }
        }
    }

    /// <summary>Every record's decoded data, first in one pooled buffer, then in one array of exactly their size.</summary>
    private sealed class DecodeBuffer(int capacity) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        private int _used;

        public ReadOnlyMemory<byte>? Decode(ref Utf8JsonReader reader, out string? problem)
        {
            ReadOnlySpan<byte> base64 = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            byte[]? unescaped = null;
            try
            {
                if (reader.ValueIsEscaped)
                {
                    // A JSON encoder may write '/' as "\/" or '+' as "\u002B"; base64 is decoded from the unescaped text.
                    unescaped = ArrayPool<byte>.Shared.Rent(base64.Length);
                    if (!TryUnescape(ref reader, unescaped, out int length))
                    {
                        problem = "is not valid base64";
                        return null;
                    }

                    base64 = unescaped.AsSpan(0, length);
                }

                if (!TryDecode(base64, out ReadOnlyMemory<byte> data))
                {
                    problem = "is not valid base64";
                    return null;
                }

                problem = null;
                return data;
            }
            finally
            {
                if (unescaped is not null)
                {
                    ArrayPool<byte>.Shared.Return(unescaped);
                }
            }
        }

        /// <summary>Decodes <paramref name="base64"/> after the data so far; false when it is not valid base64.</summary>
        public bool TryDecode(ReadOnlySpan<byte> base64, out ReadOnlyMemory<byte> data)
        {
            if (Base64.DecodeFromUtf8(base64, _buffer.AsSpan(_used), out _, out int written) != OperationStatus.Done)
            {
                data = default;
                return false;
            }

            data = _buffer.AsMemory(_used, written);
            _used += written;
            return true;
        }

        /// <summary>Forgets the data decoded so far.</summary>
        public void Reset() => _used = 0;

        /// <summary>Copies the data into an array of its own and points every reply's data there.</summary>
        public void MoveInto(TransformReplies replies)
        {
            // Every byte is overwritten at once: no need to clear it first.
            byte[] data = GC.AllocateUninitializedArray<byte>(_used);
            _buffer.AsSpan(0, _used).CopyTo(data);
            for (int i = 0; i < replies.Count; i++)
            {
                TransformReply reply = replies[i];
                if (MemoryMarshal.TryGetArray(reply.Data, out ArraySegment<byte> segment) && segment.Array == _buffer)
                {
                    replies.Set(i, reply with { Data = data.AsMemory(segment.Offset, segment.Count) });
                }
            }
        }

        public void Dispose()
        {
            byte[] buffer = _buffer;
            _buffer = [];
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        // An escape of an unpaired surrogate has no UTF-8 form, so it cannot be base64 either.
        private static bool TryUnescape(ref Utf8JsonReader reader, byte[] target, out int length)
        {
            try
            {
                length = reader.CopyString(target);
                return true;
            }
            catch (InvalidOperationException)
            {
                length = 0;
                return false;
            }
        }
    }
}
