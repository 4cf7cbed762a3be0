using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// The outside view of a worker-scope pipeline's plan table (decision 0014): how many plans ended in each state, read
/// item by item as stored, so the chaos test can say which of the ledger's paths a run took and check where each ended.
/// </summary>
internal sealed class PlanTable(IAmazonDynamoDB dynamoDb, string tableName)
{
    public string Name => tableName;

    /// <summary>Plan ids by state (<c>committed</c>, <c>written</c>, <c>aborted</c>); empty when the table does not exist.</summary>
    public async Task<PlanStates> ReadAsync()
    {
        var byState = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? start = null;
        try
        {
            do
            {
                ScanResponse page = await dynamoDb.ScanAsync(new ScanRequest { TableName = tableName, ExclusiveStartKey = start, ConsistentRead = true });
                foreach (Dictionary<string, AttributeValue> item in page.Items ?? [])
                {
                    string state = item.TryGetValue("state", out AttributeValue? value) ? value.S : "(none)";
                    if (!byState.TryGetValue(state, out List<string>? ids))
                    {
                        byState[state] = ids = [];
                    }

                    ids.Add(item["planId"].S);
                }

                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
        }
        catch (ResourceNotFoundException)
        {
        }

        return new PlanStates(byState);
    }
}

/// <summary>The plans of a plan table, by state.</summary>
internal sealed record PlanStates(IReadOnlyDictionary<string, List<string>> ByState)
{
    public IReadOnlyList<string> this[string state] => ByState.TryGetValue(state, out List<string>? ids) ? ids : [];

    public override string ToString() =>
        $"plan table: {this["written"].Count} written, {this["aborted"].Count} aborted, {this["committed"].Count} committed" +
        string.Concat(ByState.Keys.Where(state => state is not ("written" or "aborted" or "committed")).Select(state => $", {ByState[state].Count} {state}"));
}
