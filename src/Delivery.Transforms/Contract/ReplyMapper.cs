using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// Applies one invocation's results to its input records, enforcing the contract: every input recordId exactly once.
/// An id with no result fails its record with <see cref="TransformErrorCodes.MissingRecordId"/>, an id with two or more
/// with <see cref="TransformErrorCodes.DuplicatedRecordId"/>; results for ids that were not sent are ignored (and
/// counted, for the log).
/// </summary>
internal static class ReplyMapper
{
    /// <summary>Adds the records that came out to <paramref name="output"/> in input order; returns the number of unknown ids.</summary>
    /// <param name="run">Receives the failures.</param>
    /// <param name="input">The invocation's records; the recordId of each is its index.</param>
    /// <param name="replies">What the transform answered.</param>
    /// <param name="output">Receives the transformed records.</param>
    /// <param name="attemptsMade">The attempts the invocation took, for the failed records.</param>
    /// <param name="transformName">The transform, for the failed records' lambdaArn.</param>
    public static int Apply(ProcessingRun run, IReadOnlyList<ChainRecord> input, IReadOnlyList<TransformReply> replies, RentedRecords<ChainRecord> output, int attemptsMade, string transformName)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(replies);
        ArgumentNullException.ThrowIfNull(output);
        int[] replyFor = new int[input.Count];
        Array.Fill(replyFor, -1);
        int unknown = 0;
        for (int j = 0; j < replies.Count; j++)
        {
            int index = replies[j].RecordIndex;
            if ((uint)index >= (uint)input.Count)
            {
                unknown++;
            }
            else
            {
                // -2 marks an id answered more than once.
                replyFor[index] = replyFor[index] == -1 ? j : -2;
            }
        }

        ReadOnlySpan<ChainRecord> records = ChainRecordLists.Span(input);
        for (int i = 0; i < records.Length; i++)
        {
            ref readonly ChainRecord record = ref records[i];
            switch (replyFor[i])
            {
                case -1:
                    run.Fail(record.SourceIndex, TransformErrorCodes.MissingRecordId, $"The response of {transformName} has no result for recordId {i}.", ErrorOutputTypes.ProcessingFailed, attemptsMade, transformName);
                    continue;
                case -2:
                    run.Fail(record.SourceIndex, TransformErrorCodes.DuplicatedRecordId, $"The response of {transformName} has more than one result for recordId {i}.", ErrorOutputTypes.ProcessingFailed, attemptsMade, transformName);
                    continue;
            }

            TransformReply reply = replies[replyFor[i]];
            if (reply.ErrorCode is { } code)
            {
                run.Fail(record.SourceIndex, code, reply.ErrorMessage ?? code, ErrorOutputTypes.ProcessingFailed, attemptsMade, transformName);
                continue;
            }

            switch (reply.Result)
            {
                case TransformResult.Ok:
                    IReadOnlyDictionary<string, string>? keys = Merge(record.KeysFromTransform, reply.PartitionKeys);
                    if (reply.Split is { } parts)
                    {
                        foreach (ReadOnlyMemory<byte> data in parts)
                        {
                            output.Add(record with { Data = data, KeysFromTransform = keys });
                        }
                    }
                    else
                    {
                        output.Add(record with { Data = reply.Data, KeysFromTransform = keys });
                    }

                    break;
                case TransformResult.ProcessingFailed:
                    string message = string.IsNullOrEmpty(reply.ErrorMessage)
                        ? $"{transformName} returned ProcessingFailed for recordId {i}."
                        : $"{transformName} returned ProcessingFailed for recordId {i}: {reply.ErrorMessage}";
                    run.Fail(record.SourceIndex, TransformErrorCodes.ProcessingFailed, message, ErrorOutputTypes.ProcessingFailed, attemptsMade, transformName);
                    break;
            }
        }

        return unknown;
    }

    // A later transform's keys add to and override an earlier one's.
    private static IReadOnlyDictionary<string, string>? Merge(IReadOnlyDictionary<string, string>? earlier, IReadOnlyDictionary<string, string>? later)
    {
        if (later is null || later.Count == 0)
        {
            return earlier;
        }

        if (earlier is null || earlier.Count == 0)
        {
            return later;
        }

        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in earlier)
        {
            merged[key] = value;
        }

        foreach ((string key, string value) in later)
        {
            merged[key] = value;
        }

        return merged;
    }
}
