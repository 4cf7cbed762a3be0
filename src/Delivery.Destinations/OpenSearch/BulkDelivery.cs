using Delivery.Destinations.Retrying;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// The documents of one bulk request across its attempts: which still wait to be indexed, how often each was sent,
/// the last refusal of each, and those refused for good. Only documents still waiting are sent again.
/// </summary>
internal sealed class BulkDelivery
{
    private readonly int[] _attempts;
    private readonly AttemptOutcome[] _lastError;
    private BulkRequest? _firstBody;

    /// <param name="first">The first attempt's body, which holds every document; disposed once sent.</param>
    public BulkDelivery(BulkRequest first)
    {
        _firstBody = first;
        Documents = first.Documents;
        Pending = [.. Enumerable.Range(0, Documents.Count)];
        _attempts = new int[Documents.Count];
        _lastError = new AttemptOutcome[Documents.Count];
        BodyBytes = first.Body.Length;
    }

    public IReadOnlyList<BulkDocument> Documents { get; }

    /// <summary>Positions in <see cref="Documents"/> of those not yet indexed nor refused for good, in order.</summary>
    public List<int> Pending { get; private set; }

    /// <summary>Documents refused for good: their position in <see cref="Documents"/> and the refusal.</summary>
    public List<(int Document, AttemptOutcome Error)> Refused { get; } = [];

    /// <summary>The first body's size, for the log.</summary>
    public long BodyBytes { get; }

    /// <summary>How many attempts sent document <paramref name="document"/>.</summary>
    public int AttemptsOf(int document) => _attempts[document];

    /// <summary>The last refusal of a document still pending.</summary>
    public AttemptOutcome LastErrorOf(int document) => _lastError[document];

    /// <summary>The body of the next attempt: the first one, then one re-encoded from the pending documents. Counts the attempt.</summary>
    public BulkRequest NextBody(Func<IReadOnlyList<BulkDocument>, BulkRequest> encode)
    {
        ArgumentNullException.ThrowIfNull(encode);
        foreach (int document in Pending)
        {
            _attempts[document]++;
        }

        BulkRequest? first = _firstBody;
        _firstBody = null;
        return first ?? encode([.. Pending.Select(document => Documents[document])]);
    }

    /// <summary>Every pending document was refused as a whole request was.</summary>
    public void RequestFailed(AttemptOutcome outcome)
    {
        foreach (int document in Pending)
        {
            _lastError[document] = outcome;
        }
    }

    /// <summary>
    /// Applies the answers to the documents just sent (item <c>i</c> answers <see cref="Pending"/>[<c>i</c>]): indexed ones
    /// are done, retryable refusals stay pending, others are refused for good. Returns how many stay pending and the
    /// first retryable refusal.
    /// </summary>
    public (int Retrying, AttemptOutcome First) Apply(BulkItemResult[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var stillPending = new List<int>();
        AttemptOutcome first = default;
        for (int i = 0; i < items.Length; i++)
        {
            int document = Pending[i];
            BulkItemResult item = items[i];
            if (item.Succeeded)
            {
                continue;
            }

            string code = OpenSearchErrors.Code(item.ErrorType, item.Status);
            string message = $"status {item.Status}: {BulkResponse.Quote(item.ErrorReason ?? "refused without an error")}";
            if (OpenSearchErrors.IsRetryableItem(item.Status, item.ErrorType))
            {
                _lastError[document] = AttemptOutcome.Retryable(code, message);
                first = stillPending.Count == 0 ? _lastError[document] : first;
                stillPending.Add(document);
            }
            else
            {
                Refused.Add((document, AttemptOutcome.Permanent(code, message)));
            }
        }

        Pending = stillPending;
        return (stillPending.Count, first);
    }

    /// <summary>Disposes the first body if no attempt ever took it (the batch was cancelled first).</summary>
    public void Abandon() => _firstBody?.Dispose();
}
