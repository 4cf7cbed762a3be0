using BenchmarkDotNet.Attributes;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd;
using Delivery.Pipeline;
using Delivery.Pipeline.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// The pipeline without formatting or compression: pages appended to four shard sessions, cut, queued, "written" by a
/// destination that does nothing, acknowledged and checkpointed. What is left when the codec is taken away is the
/// price of batching, backpressure and checkpointing. Per operation: 20 MB over four shards, drained.
/// </summary>
[MemoryDiagnoser]
public class PipelineAssemblyBenchmarks
{
    private RecordPage[] _pages = [];

    [Params(RecordShape.Log100, RecordShape.Click600)]
    public RecordShape Shape { get; set; }

    [GlobalSetup]
    public void Setup() => _pages = BenchmarkData.Pages(Shape, 5);

    [Benchmark]
    public async Task<long> AppendCutDeliverCheckpoint()
    {
        var writer = new NoOpWriter();
        await using var pipeline = new DeliveryPipeline(new PipelineSettings { Name = "bench" }, writer, new CountingBackupWriter(), new MemoryBudget(512L * 1024 * 1024), TimeProvider.System, NullLogger<DeliveryPipeline>.Instance);
        pipeline.Start();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(shard => Task.Run(async () =>
        {
            IShardSession session = pipeline.OpenShard(new ShardSessionStart("bench-stream", InMemoryShardSource.ShardId(shard), null, []), new InMemoryCheckpointer());
            await using (session.ConfigureAwait(false))
            {
                foreach (RecordPage page in _pages)
                {
                    await session.AppendAsync(page, CancellationToken.None).ConfigureAwait(false);
                }

                await session.DrainAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }))).ConfigureAwait(false);
        await pipeline.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return writer.Records;
    }

    private sealed class NoOpWriter : IBatchWriter
    {
        private long _records;

        public long Records => Interlocked.Read(ref _records);

        public string DestinationType => "none";

        public Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _records, batch.Records.Count);
            return Task.FromResult(BatchWriteResult.Delivered);
        }
    }
}
