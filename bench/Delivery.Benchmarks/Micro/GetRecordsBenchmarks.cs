using System.Net;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd;
using Delivery.Kinesis.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// Our Kinesis client reading one full GetRecords response (10,000 records, or 10 MiB) from memory: JSON parsing and
/// base64 decoding of every record's data, which the Kinesis wire protocol imposes. Per operation: one response.
/// </summary>
[MemoryDiagnoser]
public class GetRecordsBenchmarks
{
    private KinesisClient _client = null!;
    private HttpClient _http = null!;
    private int _records;

    [Params(RecordShape.Log100, RecordShape.Click600, RecordShape.Trace4K)]
    public RecordShape Shape { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        RecordPool pool = RecordPool.Generate(Shape);
        var source = new InMemoryShardSource(pool, 1, InMemoryShardSource.MaxRecordsPerPage);
        _records = source.RecordsPerPage;
        byte[] body = GetRecordsResponses.Body(source, shard: 0, page: 0);
        _http = new HttpClient(new CannedResponse(body));
        _client = new KinesisClient(_http, new KinesisClientOptions { ServiceUrl = new Uri("http://127.0.0.1:1"), MaxRetries = 0 }, TimeProvider.System, NullLogger<KinesisClient>.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _http.Dispose();
    }

    [Benchmark]
    public async Task<int> ParseResponse()
    {
        GetRecordsResponse response = await _client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = "iterator", Limit = 10_000 }).ConfigureAwait(false);
        return response.Records.Count == _records ? _records : throw new InvalidOperationException("Records went missing.");
    }

    private sealed class CannedResponse(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }
    }
}
