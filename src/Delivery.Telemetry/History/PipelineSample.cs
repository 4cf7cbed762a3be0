namespace Delivery.Telemetry.History;

/// <summary>One pipeline at one sampling time: what the dashboard's charts draw.</summary>
/// <param name="At">When the sample was taken.</param>
/// <param name="DataFreshnessSeconds">Age of the oldest record not yet delivered; null when freshness is not tracked.</param>
/// <param name="IncomingRecordsPerSecond">Records that entered the pipeline per second since the previous sample.</param>
/// <param name="DeliveredRecordsPerSecond">Records the destination took per second since the previous sample.</param>
public readonly record struct PipelineSample(DateTimeOffset At, double? DataFreshnessSeconds, double IncomingRecordsPerSecond, double DeliveredRecordsPerSecond);
