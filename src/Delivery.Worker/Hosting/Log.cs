using Microsoft.Extensions.Logging;

namespace Delivery.Worker.Hosting;

internal static partial class Log
{
    /// <summary>Puts the pipeline on every line its loops log.</summary>
    public static readonly Func<ILogger, string, IDisposable?> PipelineScope = LoggerMessage.DefineScope<string>("Pipeline {Pipeline}");

    [LoggerMessage(EventId = 3001, EventName = "WorkerStarting", Level = LogLevel.Information,
        Message = "Delivery worker {WorkerId} starting {PipelineCount} pipelines: {Pipelines}")]
    public static partial void WorkerStarting(ILogger logger, string workerId, int pipelineCount, string pipelines);

    [LoggerMessage(EventId = 3002, EventName = "PipelineStarted", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} reads stream {StreamName} (lease table {LeaseTable}) into {Destination}")]
    public static partial void PipelineStarted(ILogger logger, string pipeline, string streamName, string leaseTable, string destination);

    [LoggerMessage(EventId = 3003, EventName = "PipelineFailed", Level = LogLevel.Critical,
        Message = "Pipeline {Pipeline} stopped on a permanent error; the worker stops")]
    public static partial void PipelineFailed(ILogger logger, Exception exception, string pipeline);

    [LoggerMessage(EventId = 3004, EventName = "WorkerStopping", Level = LogLevel.Information,
        Message = "Delivery worker {WorkerId} stopping: delivering and checkpointing within {GracePeriod}")]
    public static partial void WorkerStopping(ILogger logger, string workerId, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 3005, EventName = "WorkerStopped", Level = LogLevel.Information,
        Message = "Delivery worker {WorkerId} stopped")]
    public static partial void WorkerStopped(ILogger logger, string workerId);
}
