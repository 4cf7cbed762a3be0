using Delivery.Kinesis.Client;
using Delivery.Kinesis.Leases;
using Delivery.Telemetry;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Reading;

/// <summary>What every shard consumer of one coordinator shares: who this worker is, where it reads, where records go.</summary>
internal sealed record ShardConsumerContext(
    string WorkerId,
    KinesisSourceOptions Options,
    IKinesisClient Kinesis,
    ILeaseStore Store,
    IShardRecordSink Sink,
    ShardSyncer Syncer,
    TimeProvider TimeProvider,
    ILogger Logger,
    PipelineTelemetry? Telemetry = null);
