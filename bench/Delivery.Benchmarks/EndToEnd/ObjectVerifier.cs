using System.Globalization;
using Delivery.Formats.Compression;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// Checks that what a run delivered is exactly what was fed: every object decompresses to the NDJSON of precisely the
/// records of its source range, and each shard's ranges cover its records once, in order, with no gap and no overlap.
/// A benchmark that measured a pipeline that loses or garbles records would be measuring the wrong thing.
/// </summary>
public static class ObjectVerifier
{
    public static string Verify(InMemoryShardSource source, InMemoryS3 store)
    {
        var ranges = new List<(int Shard, long First, long Last)>();
        foreach (StoredObject stored in store.Objects.Values)
        {
            string first = stored.Metadata["first-sequence-number"];
            string last = stored.Metadata["last-sequence-number"];
            int shard = InMemoryShardSource.ShardOf(first);
            (long from, long to) = (InMemoryShardSource.IndexOf(first), InMemoryShardSource.IndexOf(last));
            ICompressionCodec codec = stored.Key.EndsWith(".gz", StringComparison.Ordinal)
                ? CompressionCodecs.BuiltIn.Create(CompressionFormat.Gzip)
                : UncompressedCodec.Instance;
            using var body = new MemoryStream(stored.Body);
            using Stream decompressed = codec.CreateDecompressor(body);
            using var actual = new MemoryStream();
            decompressed.CopyTo(actual);
            using var expected = new MemoryStream();
            for (long index = from; index <= to; index++)
            {
                expected.Write(source.Data(shard, index).Span);
                expected.WriteByte((byte)'\n');
            }

            if (!actual.GetBuffer().AsSpan(0, (int)actual.Length).SequenceEqual(expected.GetBuffer().AsSpan(0, (int)expected.Length)))
            {
                throw new InvalidOperationException($"Object {stored.Key} does not hold exactly records {from}..{to} of shard {shard}.");
            }

            if (long.Parse(stored.Metadata["record-count"], CultureInfo.InvariantCulture) != to - from + 1)
            {
                throw new InvalidOperationException($"Object {stored.Key} says it holds {stored.Metadata["record-count"]} records, its range has {to - from + 1}.");
            }

            ranges.Add((shard, from, to));
        }

        foreach (IGrouping<int, (int Shard, long First, long Last)> shard in ranges.GroupBy(r => r.Shard))
        {
            long expectedNext = 0;
            foreach ((_, long first, long last) in shard.OrderBy(r => r.First))
            {
                if (first != expectedNext)
                {
                    throw new InvalidOperationException($"Shard {shard.Key}: an object starts at record {first}, expected {expectedNext} (gap or overlap).");
                }

                expectedNext = last + 1;
            }

            if (expectedNext != source.RecordsPerShard)
            {
                throw new InvalidOperationException($"Shard {shard.Key}: objects end at record {expectedNext - 1} of {source.RecordsPerShard}.");
            }
        }

        if (ranges.Select(r => r.Shard).Distinct().Count() != source.Shards)
        {
            throw new InvalidOperationException("Some shards have no object at all.");
        }

        return $"{ranges.Count} objects hold the {source.TotalRecords:N0} records fed, byte for byte, each once and in shard order";
    }
}
