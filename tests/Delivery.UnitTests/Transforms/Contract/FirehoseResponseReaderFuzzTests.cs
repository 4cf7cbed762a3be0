using System.Globalization;
using System.Text;
using Delivery.Testing.Fuzzing;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;
using Delivery.UnitTests.Transforms.BuiltIn;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Contract;

public sealed class FirehoseResponseReaderFuzzTests
{
    [Fact]
    public void AnyResponse_IsReadOrRefusedWhole_AndEveryRecordThenComesOutOrFailsOnce()
    {
        FuzzCases.Run(3000, random =>
        {
            byte[][] data = [.. Enumerable.Range(0, random.Next(1, 8)).Select(_ => AdversarialJson.Record(random))];
            byte[] response = AdversarialPayloads.TransformResponse(random, data.Length, i => data[i]);
            TransformReplies replies;
            try
            {
                replies = FirehoseResponseReader.Read(response);
            }
            catch (TransformInvocationException ex)
            {
                ex.ErrorCode.ShouldBe(TransformErrorCodes.JsonProcessingException);
                return;
            }

            DeliveryBatch batch = Of(data);
            ProcessingRun run = Run(batch);
            RentedRecords<ChainRecord> output = run.Rent<ChainRecord>(0);
            using (replies)
            {
                ReplyMapper.Apply(run, Records(batch), replies, output, 1, "fuzz");
            }

            BuiltInProcessorFuzzTests.EachRecordOnce(batch, output, run);
        });
    }

    [Fact]
    public void TheFastPath_GivesWhatTheReaderPathGives_OrLeavesTheResponseToIt()
    {
        int fast = 0;
        FuzzCases.Run(3000, random =>
        {
            byte[][] data = [.. Enumerable.Range(0, random.Next(1, 8)).Select(_ => AdversarialJson.Record(random))];
            byte[] response = random.Next(3) switch
            {
                0 => AdversarialPayloads.TransformResponse(random, data.Length, i => data[i]),
                1 => CleanResponse(random, data),
                _ => AdversarialJson.Mutate(random, CleanResponse(random, data)),
            };

            string expected = Describe(response, fastPath: false);
            Describe(response, fastPath: true).ShouldBe(expected, Encoding.UTF8.GetString(response));
            fast += FirehoseResponseReader.UsedFastPath(response) ? 1 : 0;
        });

        // The clean third must mostly take the fast path, or the comparison says little about it.
        fast.ShouldBeGreaterThan(700);
    }

    /// <summary>A response as transforms write it, in any spacing and key order, with keys shared or not, every result kind.</summary>
    private static byte[] CleanResponse(Random random, byte[][] data)
    {
        string Space() => random.Next(4) == 0 ? " \n\t\r"[..random.Next(1, 5)] : "";
        var records = new List<string>();
        for (int i = 0; i < data.Length; i++)
        {
            string result = random.Next(8) switch { 0 => "Dropped", 1 => "ProcessingFailed", _ => "Ok" };
            var members = new List<string>
            {
                $"\"recordId\"{Space()}:{Space()}\"{(random.Next(20) == 0 ? "0" + i : i.ToString(CultureInfo.InvariantCulture))}\"",
                $"\"result\":{Space()}\"{result}\"",
            };
            if (result == "Ok" || random.Next(2) == 0)
            {
                members.Add($"\"data\":\"{Convert.ToBase64String(data[i])}\"");
            }

            if (random.Next(2) == 0)
            {
                string tier = random.Next(3) switch { 0 => "gold", 1 => "é-日本", _ => "" };
                string twice = random.Next(6) == 0 ? ",\"tier\":\"last\"" : "";
                members.Add($"\"metadata\":{Space()}{{\"partitionKeys\":{{{Space()}\"tier\":{Space()}\"{tier}\"{twice},\"day\":\"2026-01-0{random.Next(1, 3)}\"}}}}");
            }

            records.Add("{" + Space() + string.Join("," + Space(), members.OrderBy(_ => random.Next())) + Space() + "}");
        }

        return Encoding.UTF8.GetBytes($"{Space()}{{\"records\":{Space()}[{string.Join(",", records)}]{Space()}}}{Space()}");
    }

    /// <summary>Everything a reply says, or the error the response is refused with.</summary>
    private static string Describe(byte[] response, bool fastPath)
    {
        try
        {
            using TransformReplies replies = FirehoseResponseReader.Read(response, fastPath);
            return string.Join("\n", replies.Select(reply =>
                $"{reply.RecordIndex} {reply.Result} {Convert.ToHexString(reply.Data.Span)} {reply.ErrorCode} {reply.ErrorMessage} "
                + string.Join(";", (reply.PartitionKeys ?? new Dictionary<string, string>()).OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value}"))));
        }
        catch (TransformInvocationException ex)
        {
            return $"{ex.ErrorCode}: {ex.Message}";
        }
    }
}
