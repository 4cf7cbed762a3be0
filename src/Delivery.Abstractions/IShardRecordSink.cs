namespace Delivery;

/// <summary>
/// Where a source hands the records of the shards it holds leases on. One sink per configured pipeline; the source
/// knows nothing else of what happens to the records.
/// </summary>
public interface IShardRecordSink
{
    /// <summary>Starts a session for a shard whose lease this worker just took.</summary>
    IShardSession OpenShard(ShardSessionStart start, IShardCheckpointer checkpointer);
}

/// <summary>What the lease says about a shard when its session starts.</summary>
/// <param name="StreamName">The Kinesis stream.</param>
/// <param name="ShardId">The shard.</param>
/// <param name="Checkpoint">The last delivered position, or null when nothing of the shard was delivered yet.</param>
/// <param name="PendingBatches">
/// Batches a previous owner cut and planned to deliver but did not checkpoint. The new session cuts its first batches at
/// exactly these points, so that an object written before a crash is overwritten rather than duplicated.
/// </param>
public sealed record ShardSessionStart(
    string StreamName,
    string ShardId,
    ShardPosition? Checkpoint,
    IReadOnlyList<PlannedBatch> PendingBatches);

/// <summary>
/// One leased shard inside a pipeline: it buffers the shard's records, cuts batches, delivers them and checkpoints the
/// shard as batches are acknowledged.
/// </summary>
public interface IShardSession : IAsyncDisposable
{
    /// <summary>Cancelled when the session learns that the lease is lost; the reader must stop at once.</summary>
    CancellationToken LeaseLost { get; }

    /// <summary>
    /// Takes room in the worker's memory budget for the next page before it is read, waiting while the budget is spent:
    /// a page that is read only once there is room for it is never held outside the budget. The next
    /// <see cref="AppendAsync"/> settles the reservation against what the page really holds; a reservation already held
    /// is topped up, not taken twice. Throws <see cref="LeaseLostException"/> once the lease is lost.
    /// </summary>
    /// <param name="bytes">What the next page is expected to cost (see <see cref="RecordPage.MemoryBytes"/>).</param>
    /// <param name="cancellationToken">Stops the wait for room.</param>
    ValueTask ReserveAsync(long bytes, CancellationToken cancellationToken);

    /// <summary>
    /// Accepts a page of records in shard order, and with it the caller's reference on the page: the caller must not read
    /// the page afterwards, whether this returns or throws (see <see cref="RecordPage"/>). A page read under a
    /// reservation is charged to it, and what the page costs beyond it is taken at once (the page is in memory already;
    /// other readers wait until it is given back). A page read without one waits while the worker's memory budget is
    /// spent. Either way, this is how a slow destination slows reading down. Throws <see cref="LeaseLostException"/>
    /// once the lease is lost.
    /// </summary>
    ValueTask AppendAsync(RecordPage page, CancellationToken cancellationToken);

    /// <summary>
    /// Cuts what is buffered, delivers it and waits until every batch is acknowledged and checkpointed. Returns the last
    /// checkpoint written. When cancelled (grace period over), what is not delivered stays un-checkpointed and will be
    /// read again by the next owner.
    /// </summary>
    Task<ShardPosition?> DrainAsync(CancellationToken cancellationToken);

    /// <summary>The lease is gone: drop buffered records (the next owner re-reads them) and never checkpoint again.</summary>
    void Abandon();

    /// <summary>
    /// Why the session stopped by itself, or null: a batch the pipeline could not deliver or back up for a reason that
    /// retrying would not change. The session is stopped then, as after <see cref="Abandon"/>; the reader should end
    /// with this error, so the shard is tried again after a backoff rather than at once.
    /// </summary>
    Exception? Failure { get; }
}
