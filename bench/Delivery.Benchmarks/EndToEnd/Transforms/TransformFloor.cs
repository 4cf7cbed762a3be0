using System.Globalization;
using System.Text.Json;
using Delivery.Transforms;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Query;

namespace Delivery.Benchmarks.EndToEnd.Transforms;

/// <summary>
/// The floor of a transform pipeline: the transform's own work alone, then the codec alone on what the pipeline writes,
/// over the same records cut where the shards' buffers cut them. Each step runs on its own, timed apart, and the floor
/// is their sum (wall and CPU time, allocations):
/// <list type="bullet">
/// <item>plugin: <see cref="AddFieldTransform"/> called directly on invocations of the stage's size (1 MB), built
/// before the clock, on as many threads as processors; then gzip of the enriched NDJSON, one object per buffer;</item>
/// <item>HTTP: the same events (built before the clock, as the stage writes them) POSTed to the same receiver with as
/// many in flight as the pipeline can have (4 deliveries x 4 invocations), each answer read to its end; then gzip of
/// the enriched NDJSON. Writing events and decoding answers is the stage's work and is not in the floor;</item>
/// <item>partitioning: the metadata-extraction query on every record and grouping by its values, on as many threads as
/// processors; then gzip of each partition's NDJSON, one object per partition per buffer.</item>
/// </list>
/// </summary>
public static class TransformFloor
{
    public static (ResourceUse Use, ResourceUse Work, long Records, long Bytes) Measure(Scenario scenario, InMemoryShardSource source, long maxBytes, TransformSetup setup)
    {
        List<Buffer> buffers = BuildBuffers(scenario, source, maxBytes);
        (ResourceUse work, List<byte[]> objects) = setup.Kind switch
        {
            PipelineTransform.Plugin => Plugin(buffers),
            PipelineTransform.Http => Http(scenario, buffers, setup.Url!),
            PipelineTransform.Partitioning => Partitioning(buffers, setup),
            _ => throw new InvalidOperationException($"No floor for {setup.Kind}."),
        };
        ResourceUse codec = CodecFloor.Compress(scenario, objects);
        ResourceUse sum = new(
            work.Seconds + codec.Seconds,
            work.CpuSeconds + codec.CpuSeconds,
            work.AllocatedBytes + codec.AllocatedBytes,
            work.Gen0 + codec.Gen0,
            work.Gen1 + codec.Gen1,
            work.Gen2 + codec.Gen2,
            work.GcPauseSeconds + codec.GcPauseSeconds,
            Math.Max(work.PeakResidentBytes, codec.PeakResidentBytes),
            work.BaselineResidentBytes)
        {
            JitSeconds = work.JitSeconds + codec.JitSeconds,
        };
        return (sum, work, buffers.Sum(b => (long)b.Records.Length), buffers.Sum(b => b.Records.Sum(r => (long)r.Data.Length)));
    }

    private static (ResourceUse, List<byte[]>) Plugin(List<Buffer> buffers)
    {
        var transform = new AddFieldTransform();
        TransformInvocation[] invocations = [.. buffers.SelectMany(Invocations)];
        SettleInputs();

        // Each invocation's results are checked and dropped, as the stage drops them once applied: kept for the whole
        // run, they were promoted through every generation, and the floor measured the GC copying them.
        long transformed = 0;
        ResourceUse use = OnEveryProcessor(invocations.Length, i =>
        {
            IReadOnlyList<TransformedRecord> results = transform.TransformAsync(invocations[i], CancellationToken.None).AsTask().GetAwaiter().GetResult();
            int ok = 0;
            foreach (TransformedRecord result in results)
            {
                ok += result.Result == TransformResult.Ok ? 1 : 0;
            }

            Interlocked.Add(ref transformed, ok == invocations[i].Records.Count && results.Count == ok ? ok : 0);
        });
        if (transformed != buffers.Sum(b => b.Records.Length))
        {
            throw new InvalidOperationException("The plugin did not transform every record.");
        }

        return (use, Enriched(buffers));
    }

    private static (ResourceUse, List<byte[]>) Http(Scenario scenario, List<Buffer> buffers, Uri url)
    {
        byte[][] events = [.. buffers.SelectMany(Invocations).Select(EventJson)];
        int inFlight = scenario.MaxConcurrentDeliveries * TransformSetup.Invocations.MaxConcurrentInvocations;
        using var http = new HttpClient(new SocketsHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };

        // One answer checked before the clock: the receiver enriches every record of the event it is sent.
        CheckAnswer(http, url, events[0]);
        SettleInputs();
        long answered = 0;
        var meter = ResourceMeter.Start();
        Parallel.ForEachAsync(Enumerable.Range(0, events.Length), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, token) =>
        {
            using var content = new ByteArrayContent(events[i]);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using HttpResponseMessage response = await http.PostAsync(url, content, token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            await using Stream body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            byte[] scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
            int read;
            while ((read = await body.ReadAsync(scratch, token).ConfigureAwait(false)) > 0)
            {
                Interlocked.Add(ref answered, read);
            }

            System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
        }).GetAwaiter().GetResult();
        ResourceUse use = meter.Stop();
        return answered == 0 ? throw new InvalidOperationException("The receiver answered nothing.") : (use, Enriched(buffers));
    }

    private static (ResourceUse, List<byte[]>) Partitioning(List<Buffer> buffers, TransformSetup setup)
    {
        JqQuery query = JqQuery.Parse(TransformSetup.PartitionQuery(setup.Shape));
        var groups = new Dictionary<string[], List<int>>[buffers.Count];
        ReadOnlyMemory<byte>[][] records = [.. buffers.Select(buffer => buffer.Records.Select(r => r.Data).ToArray())];
        SettleInputs();

        // The evaluation the metadata-extraction stage uses (values into reused storage, strings found again by their
        // bytes), one per buffer as the stage has one per batch; records are grouped by their values, a group's key
        // copied when it is first seen.
        ResourceUse use = OnEveryProcessor(buffers.Count, b =>
        {
            JqEvaluation evaluation = query.NewEvaluation();
            var byValues = new Dictionary<string[], List<int>>(QueryKeySets.ValuesComparer.Instance);
            ReadOnlyMemory<byte>[] data = records[b];
            for (int i = 0; i < data.Length; i++)
            {
                if (!evaluation.TryEvaluate(data[i].Span, out string? error))
                {
                    throw new InvalidOperationException($"The partition query failed on a record: {error}");
                }

                if (!byValues.TryGetValue(evaluation.Values, out List<int>? members))
                {
                    byValues[[.. evaluation.Values]] = members = [];
                }

                members.Add(i);
            }

            groups[b] = byValues;
        });

        var objects = new List<byte[]>();
        for (int b = 0; b < buffers.Count; b++)
        {
            foreach (List<int> members in groups[b].Values)
            {
                using var chunk = new MemoryStream();
                foreach (int i in members)
                {
                    chunk.Write(buffers[b].Records[i].Data.Span);
                    chunk.WriteByte((byte)'\n');
                }

                objects.Add(chunk.ToArray());
            }
        }

        return (use, objects);
    }

    /// <summary>
    /// Moves what was built before the clock to the oldest generation, so the first collections of the measured work do
    /// not copy it: that is the harness's cost, not the transform's.
    /// </summary>
    private static void SettleInputs() => GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

    /// <summary>Runs <paramref name="work"/> for 0..count-1 on as many threads as the process has processors.</summary>
    private static ResourceUse OnEveryProcessor(int count, Action<int> work)
    {
        int next = -1;
        var meter = ResourceMeter.Start();
        Thread[] threads = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                work(index);
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return meter.Stop();
    }

    /// <summary>A buffer's records split into invocations as the stage splits them: up to the buffer size in record bytes.</summary>
    private static IEnumerable<TransformInvocation> Invocations(Buffer buffer, int index)
    {
        var records = new List<TransformRecord>();
        long bytes = 0;
        foreach (FloorRecord record in buffer.Records)
        {
            if (records.Count > 0 && bytes + record.Data.Length > TransformSetup.Invocations.BufferSizeBytes)
            {
                yield return Invocation(buffer, index, records);
                records = [];
                bytes = 0;
            }

            records.Add(new TransformRecord(records.Count.ToString(CultureInfo.InvariantCulture), record.Data, record.Arrival, record.Metadata, new Dictionary<string, string>()));
            bytes += record.Data.Length;
        }

        if (records.Count > 0)
        {
            yield return Invocation(buffer, index, records);
        }
    }

    private static TransformInvocation Invocation(Buffer buffer, int index, List<TransformRecord> records) => new()
    {
        InvocationId = $"floor-{index}-{records[0].KinesisRecordMetadata.SequenceNumber}",
        DeliveryStreamArn = TransformSetup.Environment.DeliveryStreamArn,
        SourceKinesisStreamArn = TransformSetup.Environment.KinesisStreamArn("bench-stream"),
        Region = TransformSetup.Environment.Region,
        Records = records,
    };

    /// <summary>The event a Lambda or HTTP transform receives, written independently of Delivery's contract writer.</summary>
    private static byte[] EventJson(TransformInvocation invocation)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("invocationId", invocation.InvocationId);
            w.WriteString("deliveryStreamArn", invocation.DeliveryStreamArn);
            w.WriteString("sourceKinesisStreamArn", invocation.SourceKinesisStreamArn);
            w.WriteString("region", invocation.Region);
            w.WriteStartArray("records");
            foreach (TransformRecord record in invocation.Records)
            {
                KinesisRecordMetadata m = record.KinesisRecordMetadata;
                w.WriteStartObject();
                w.WriteString("recordId", record.RecordId);
                w.WriteNumber("approximateArrivalTimestamp", m.ApproximateArrivalTimestamp);
                w.WriteBase64String("data", record.Data.Span);
                w.WriteStartObject("kinesisRecordMetadata");
                w.WriteString("shardId", m.ShardId);
                w.WriteString("partitionKey", m.PartitionKey);
                w.WriteString("sequenceNumber", m.SequenceNumber);
                w.WriteNumber("subsequenceNumber", m.SubsequenceNumber);
                w.WriteNumber("approximateArrivalTimestamp", m.ApproximateArrivalTimestamp);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static void CheckAnswer(HttpClient http, Uri url, byte[] transformEvent)
    {
        using var content = new ByteArrayContent(transformEvent);
        using HttpResponseMessage response = http.PostAsync(url, content).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        using var sent = JsonDocument.Parse(transformEvent);
        using var answer = JsonDocument.Parse(response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult());
        JsonElement[] records = [.. sent.RootElement.GetProperty("records").EnumerateArray()];
        JsonElement[] results = [.. answer.RootElement.GetProperty("records").EnumerateArray()];
        for (int i = 0; i < records.Length; i++)
        {
            byte[] data = records[i].GetProperty("data").GetBytesFromBase64();
            byte[] expected = new byte[data.Length + AddFieldTransform.Growth];
            expected = expected[..AddFieldTransform.Apply(data, expected)];
            if (results.Length != records.Length || results[i].GetProperty("recordId").GetString() != records[i].GetProperty("recordId").GetString()
                || results[i].GetProperty("result").GetString() != "Ok" || !results[i].GetProperty("data").GetBytesFromBase64().AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException($"The receiver's answer to record {i} is not the enriched record.");
            }
        }
    }

    /// <summary>What the pipeline writes for a transform that enriches: one NDJSON object per buffer.</summary>
    private static List<byte[]> Enriched(List<Buffer> buffers)
    {
        var objects = new List<byte[]>(buffers.Count);
        byte[] scratch = new byte[1 << 20];
        foreach (Buffer buffer in buffers)
        {
            using var chunk = new MemoryStream();
            foreach (FloorRecord record in buffer.Records)
            {
                if (scratch.Length < record.Data.Length + AddFieldTransform.Growth)
                {
                    scratch = new byte[record.Data.Length + AddFieldTransform.Growth];
                }

                chunk.Write(scratch, 0, AddFieldTransform.Apply(record.Data.Span, scratch));
                chunk.WriteByte((byte)'\n');
            }

            objects.Add(chunk.ToArray());
        }

        return objects;
    }

    /// <summary>Each shard's records in order, one buffer per 5 MiB (the pipelines' buffer size) of record bytes.</summary>
    private static List<Buffer> BuildBuffers(Scenario scenario, InMemoryShardSource source, long maxBytes)
    {
        long limit = scenario.BufferMiB * 1024L * 1024;
        var buffers = new List<Buffer>();
        var records = new List<FloorRecord>();
        long total = 0;
        for (int shard = 0; total < maxBytes && shard < source.Shards; shard++)
        {
            long data = 0;
            for (long index = 0; index < source.RecordsPerShard && total < maxBytes; index++)
            {
                ReadOnlyMemory<byte> bytes = source.Data(shard, index);
                DateTimeOffset arrival = InMemoryShardSource.Arrival(index);
                var metadata = new KinesisRecordMetadata(InMemoryShardSource.ShardId(shard), source.PartitionKey(index), source.SequenceNumber(shard, index), 0, arrival.ToUnixTimeMilliseconds());
                records.Add(new FloorRecord(bytes, arrival, metadata));
                data += bytes.Length;
                total += bytes.Length;
                if (data >= limit)
                {
                    buffers.Add(new Buffer([.. records]));
                    records.Clear();
                    data = 0;
                }
            }

            if (records.Count > 0)
            {
                buffers.Add(new Buffer([.. records]));
                records.Clear();
            }
        }

        return buffers;
    }

    private sealed record FloorRecord(ReadOnlyMemory<byte> Data, DateTimeOffset Arrival, KinesisRecordMetadata Metadata);

    private sealed record Buffer(FloorRecord[] Records);
}
