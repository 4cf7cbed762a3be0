using Microsoft.Extensions.Logging;

namespace Delivery.Transforms.Processing;

internal static partial class Log
{
    [LoggerMessage(EventId = 6101, EventName = "BatchProcessed", Level = LogLevel.Debug,
        Message = "Pipeline {Pipeline} processed batch {BatchId}: {RecordsIn} records in, {RecordsOut} out in {Objects} object(s), {Failed} failed")]
    public static partial void BatchProcessed(ILogger logger, string pipeline, string batchId, int recordsIn, int recordsOut, int objects, int failed);

    [LoggerMessage(EventId = 6102, EventName = "PluginLoaded", Level = LogLevel.Information,
        Message = "Loaded transform plugin {TypeName} from {AssemblyPath}")]
    public static partial void PluginLoaded(ILogger logger, string typeName, string assemblyPath);
}
