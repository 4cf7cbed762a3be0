using System.Collections.Concurrent;
using Amazon.Runtime;
using Delivery.Destinations.S3;

namespace Delivery.IntegrationTests.Fleet;

/// <summary>
/// The network between one in-process worker and the AWS services: it counts DynamoDB requests by operation, records
/// every object written to S3 (in one order shared by all workers), and can be cut, which is how a worker dies here:
/// from the moment of the cut nothing it sends reaches any service, exactly as if its process had been killed.
/// </summary>
internal sealed class NetworkTap(string worker, S3WriteLog s3Writes)
{
    private readonly ConcurrentDictionary<string, int> _dynamoDbRequests = new(StringComparer.Ordinal);
    private volatile bool _cut;

    public string Worker { get; } = worker;

    public bool IsCut => _cut;

    public void Cut() => _cut = true;

    /// <summary>DynamoDB requests by operation (Scan, UpdateItem, ...) since the last <see cref="ResetCounts"/>.</summary>
    public IReadOnlyDictionary<string, int> DynamoDbRequests => new Dictionary<string, int>(_dynamoDbRequests);

    public void ResetCounts() => _dynamoDbRequests.Clear();

    public HttpMessageHandler Handler(HttpMessageHandler inner) => new TapHandler(this, inner);

    /// <summary>An HTTP client factory for the AWS SDK that sends through this tap.</summary>
    public HttpClientFactory SdkHttpClientFactory() => new SdkFactory(new HttpClient(Handler(new SocketsHttpHandler())) { Timeout = TimeSpan.FromSeconds(30) });

    private sealed class TapHandler(NetworkTap tap, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (tap._cut)
            {
                throw new HttpRequestException($"worker {tap.Worker} is dead");
            }

            if (request.Headers.TryGetValues("X-Amz-Target", out IEnumerable<string>? targets) && targets.First().StartsWith("DynamoDB_", StringComparison.Ordinal))
            {
                string operation = targets.First().Split('.')[1];
                if (operation == "UpdateItem" && request.Content is not null)
                {
                    string body = await request.Content.ReadAsStringAsync(cancellationToken);
                    // Only a renewal's update starts with the counter (the SDK escapes '+' in JSON, so match before it).
                    operation += body.Contains("\"SET #counter = #counter ", StringComparison.Ordinal) ? " (renewal)"
                        : body.Contains("#checkpoint", StringComparison.Ordinal) ? " (checkpoint)"
                        : " (take, release, handoff)";
                }

                tap._dynamoDbRequests.AddOrUpdate(operation, 1, static (_, count) => count + 1);
            }

            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode && !tap._cut)
            {
                tap.RecordIfObjectWrite(request);
            }

            return response;
        }
    }

    private void RecordIfObjectWrite(HttpRequestMessage request)
    {
        string query = request.RequestUri!.Query;
        bool putObject = request.Method == HttpMethod.Put && !query.Contains("partNumber", StringComparison.Ordinal);
        bool completeMultipart = request.Method == HttpMethod.Post && query.Contains("uploadId", StringComparison.Ordinal);
        // The start-up write check puts (and deletes) one probe per worker: not a delivered object.
        if ((putObject || completeMultipart) && !request.RequestUri.AbsolutePath.EndsWith(S3WriteCheck.ProbeName, StringComparison.Ordinal))
        {
            s3Writes.Add(Worker, Uri.UnescapeDataString(request.RequestUri.AbsolutePath));
        }
    }

    private sealed class SdkFactory(HttpClient client) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => client;

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }
}

/// <summary>Every object write acknowledged by S3, by any worker, in the order the acknowledgements came.</summary>
internal sealed class S3WriteLog
{
    private readonly List<S3Write> _writes = [];

    public IReadOnlyList<S3Write> Writes
    {
        get
        {
            lock (_writes)
            {
                return [.. _writes];
            }
        }
    }

    public void Add(string worker, string path)
    {
        lock (_writes)
        {
            _writes.Add(new S3Write(_writes.Count, worker, path));
        }
    }
}

/// <param name="Order">Position among all writes.</param>
/// <param name="Worker">The worker that wrote.</param>
/// <param name="Path">"/bucket/key".</param>
internal sealed record S3Write(int Order, string Worker, string Path);
