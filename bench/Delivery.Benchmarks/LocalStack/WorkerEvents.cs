using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Delivery.Benchmarks.LocalStack;

/// <summary>
/// Listens to the in-process worker's own structured logs for the moments that matter here: a shard session opening
/// (reading starts) and an object written to S3 (with its key and record count), each stamped with the monotonic clock
/// when it is logged, right after S3 accepted the object.
/// </summary>
public sealed class WorkerEvents : ILoggerProvider
{
    private readonly ConcurrentQueue<WorkerEvent> _objects = new();
    private readonly ConcurrentQueue<long> _sessionsOpened = new();
    private long _records;

    public IReadOnlyCollection<WorkerEvent> ObjectsWritten => _objects;

    public IReadOnlyCollection<long> SessionsOpened => _sessionsOpened;

    public long RecordsWritten => Interlocked.Read(ref _records);

    public ILogger CreateLogger(string categoryName) => new Listener(this);

    public void Dispose()
    {
    }

    public async Task WaitForRecordsAsync(long records, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (RecordsWritten < records)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Only {RecordsWritten} of {records} records reached S3 within {timeout}.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private sealed class Listener(WorkerEvents events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            long now = Stopwatch.GetTimestamp();
            if (eventId.Name == "S3ObjectWritten" && state is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                string key = (string)fields.First(f => f.Key == "Key").Value!;
                int records = (int)fields.First(f => f.Key == "RecordCount").Value!;
                events._objects.Enqueue(new WorkerEvent(now, key, records));
                Interlocked.Add(ref events._records, records);
            }
            else if (eventId.Name == "ShardSessionOpened")
            {
                events._sessionsOpened.Enqueue(now);
            }
        }
    }
}

/// <summary>An object the worker wrote, when (<see cref="Stopwatch.GetTimestamp"/>), and how many records it holds.</summary>
public sealed record WorkerEvent(long Timestamp, string Key, int Records);
