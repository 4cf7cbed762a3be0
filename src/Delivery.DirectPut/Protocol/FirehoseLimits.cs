namespace Delivery.DirectPut.Protocol;

/// <summary>
/// Firehose's limits on a call, checked on what was read: 1 to 500 records, each at most 1,000 KiB, at most 4 MiB in
/// all; delivery stream names of 1 to 64 of [a-zA-Z0-9_.-]; list limits of 1 to 10,000. Each refusal is worded as
/// Firehose's validation words it, naming the member (1-based, as the service counts).
/// </summary>
internal static class FirehoseLimits
{
    internal static byte[][] CheckBatch(List<byte[]?> records, out long bytes)
    {
        if (records.Count == 0)
        {
            throw new FirehoseProtocolException(FirehoseError.Constraint("records", "must have length greater than or equal to 1"));
        }

        if (records.Count > FirehoseProtocol.MaxRecordsPerBatch)
        {
            throw new FirehoseProtocolException(FirehoseError.Constraint("records", $"must have length less than or equal to {FirehoseProtocol.MaxRecordsPerBatch}", $"it has {records.Count}"));
        }

        bytes = 0;
        var checkedRecords = new byte[records.Count][];
        for (int i = 0; i < records.Count; i++)
        {
            byte[] data = records[i] ?? throw new FirehoseProtocolException(FirehoseError.Missing($"records.{i + 1}.member.data"));
            if (data.Length > FirehoseProtocol.MaxRecordBytes)
            {
                throw new FirehoseProtocolException(FirehoseError.Constraint($"records.{i + 1}.member.data", $"must have length less than or equal to {FirehoseProtocol.MaxRecordBytes}", $"it has {FirehoseError.Number(data.Length)} bytes"));
            }

            bytes += data.Length;
            checkedRecords[i] = data;
        }

        if (bytes > FirehoseProtocol.MaxBatchBytes)
        {
            throw new FirehoseProtocolException(FirehoseError.InvalidArgument(
                $"Records size exceeds the 4 MiB limit of a PutRecordBatch call: its {records.Count} records add up to {FirehoseError.Number(bytes)} bytes, and a call may carry at most {FirehoseError.Number(FirehoseProtocol.MaxBatchBytes)}."));
        }

        return checkedRecords;
    }

    internal static string CheckName(string? name)
    {
        if (name is null)
        {
            throw new FirehoseProtocolException(FirehoseError.Missing("deliveryStreamName"));
        }

        if (!FirehoseProtocol.IsValidDeliveryStreamName(name))
        {
            throw new FirehoseProtocolException(FirehoseError.InvalidArgument(
                $"1 validation error detected: Value '{name}' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 1 and {FirehoseProtocol.MaxDeliveryStreamNameLength}"));
        }

        return name;
    }

    internal static int? CheckLimit(int? limit, string member) => limit is null or (>= 1 and <= 10_000)
        ? limit
        : throw new FirehoseProtocolException(FirehoseError.Constraint(member, "must have value between 1 and 10000", $"it is {limit}"));
}
