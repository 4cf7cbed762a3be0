using System.Buffers;
using System.Text.Json;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.BuiltIn;

/// <summary>
/// Firehose's <c>CloudWatchLogProcessing</c> processor, run after <see cref="DecompressionStage"/>: a CloudWatch Logs
/// subscription record is one JSON message with many log events. CONTROL_MESSAGE records (CloudWatch checking that the
/// destination is reachable) are dropped. With message extraction each DATA_MESSAGE becomes one record per log event,
/// holding that event's <c>message</c>; without it the message stays whole.
/// </summary>
public sealed class CloudWatchLogsStage(bool extractMessages) : RecordStage
{
    public override string Name => "CloudWatchLogProcessing";

    protected override void Process(ProcessingRun run, in ChainRecord record, List<ChainRecord> output)
    {
        string? problem;
        string? messageType;
        List<ReadOnlyMemory<byte>>? messages = extractMessages ? [] : null;
        try
        {
            messageType = Read(record.Data.Span, messages, out problem);
        }
        catch (JsonException ex)
        {
            messageType = null;
            problem = $"it is not valid JSON ({ex.Message.TrimEnd('.')})";
        }

        switch (messageType)
        {
            case "CONTROL_MESSAGE":
                return;
            case "DATA_MESSAGE" when problem is null:
                if (messages is null)
                {
                    output.Add(record);
                }
                else
                {
                    foreach (ReadOnlyMemory<byte> message in messages)
                    {
                        output.Add(record with { Data = message });
                    }
                }

                return;
            default:
                problem ??= messageType is null ? "it has no messageType" : $"its messageType is '{messageType}'";
                run.Fail(record.SourceIndex, TransformErrorCodes.CloudWatchLogsInvalid,
                    $"The record is not a CloudWatch Logs subscription message: {problem}.", ErrorOutputTypes.ProcessingFailed);
                return;
        }
    }

    // One pass: messageType may come before or after logEvents, so messages are collected either way.
    private static string? Read(ReadOnlySpan<byte> json, List<ReadOnlyMemory<byte>>? messages, out string? problem)
    {
        problem = null;
        string? messageType = null;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            problem = "it is not a JSON object";
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("messageType"u8))
            {
                reader.Read();
                messageType = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("logEvents"u8) && messages is not null)
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    problem = "its logEvents is not an array";
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadOnlyMemory<byte>? message = null;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        bool isMessage = reader.ValueTextEquals("message"u8);
                        reader.Read();
                        if (isMessage && reader.TokenType == JsonTokenType.String)
                        {
                            message = Unescaped(ref reader);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }

                    if (message is null)
                    {
                        problem ??= $"log event {messages.Count} has no message";
                    }
                    else
                    {
                        messages.Add(message.Value);
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return messageType;
    }

    // The message as the application logged it: JSON escapes undone, straight into UTF-8.
    private static byte[] Unescaped(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan.ToArray();
        }

        int length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int written = reader.CopyString(buffer);
            return buffer.AsSpan(0, written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
