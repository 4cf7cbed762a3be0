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

    protected override string UnexpectedErrorCode => TransformErrorCodes.CloudWatchLogsInvalid;

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
        bool hasLogEvents = false;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            problem = "it is not a JSON object";
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonText.NameIs(ref reader, "messageType"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && !JsonText.TryGetString(ref reader, out messageType))
                {
                    problem ??= "its messageType is not valid Unicode";
                }

                reader.Skip();
            }
            else if (JsonText.NameIs(ref reader, "logEvents"u8) && messages is not null)
            {
                reader.Read();
                hasLogEvents = true;
                problem ??= ReadLogEvents(ref reader, messages);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // A data message that yields no record would vanish without a trace: it is malformed, so it is backed up.
        if (messages is { Count: 0 } && messageType == "DATA_MESSAGE")
        {
            problem ??= hasLogEvents ? "it has no log events" : "it has no logEvents";
        }

        return messageType;
    }

    // Leaves the reader on the end of logEvents, whatever it holds, so the fields after it are read too.
    private static string? ReadLogEvents(ref Utf8JsonReader reader, List<ReadOnlyMemory<byte>> messages)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return "its logEvents is not an array";
        }

        string? problem = null;
        for (int index = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; index++)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problem ??= $"log event {index} is not an object";
                reader.Skip();
                continue;
            }

            byte[]? message = null;
            bool unreadable = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isMessage = JsonText.NameIs(ref reader, "message"u8);
                reader.Read();
                if (isMessage && reader.TokenType == JsonTokenType.String)
                {
                    // The message as the application logged it: JSON escapes undone, straight into UTF-8.
                    message = JsonText.TryGetUtf8(ref reader);
                    unreadable = message is null;
                }
                else
                {
                    reader.Skip();
                }
            }

            if (message is not null)
            {
                messages.Add(message);
            }
            else
            {
                problem ??= unreadable ? $"log event {index} has a message that is not valid Unicode" : $"log event {index} has no message";
            }
        }

        return problem;
    }
}
