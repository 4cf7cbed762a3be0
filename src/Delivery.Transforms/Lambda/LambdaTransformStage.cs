using System.Buffers;
using System.Net;
using System.Text.Json;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging;

namespace Delivery.Transforms.Lambda;

/// <summary>
/// Runs an AWS Lambda data-transformation function exactly as Firehose does: a synchronous Invoke with the Firehose event
/// JSON, and the function's response read as a Firehose transform response. A function error, throttling, a 5xx or a
/// timeout fails the invocation, which is retried; what is malformed in a response fails only its records.
/// </summary>
public sealed class LambdaTransformStage : InvocationStage
{
    /// <summary>Lambda's limit for a synchronous request payload: 6 MB.</summary>
    public const long MaxRequestPayloadBytes = 6L * 1024 * 1024;

    private readonly ILambdaInvoker _lambda;
    private readonly string _functionName;

    /// <param name="functionArn">The function as configured: name, ARN, or either with <c>:alias</c> or <c>:version</c>.</param>
    /// <param name="stageId">Distinguishes this stage's invocation ids from another stage's.</param>
    /// <param name="settings">Sizing, retries and timeout; the payload limit is lowered to Lambda's 6 MB.</param>
    /// <param name="lambda">The client.</param>
    /// <param name="timeProvider">Times attempts and backoff.</param>
    /// <param name="logger">Receives retries and failures.</param>
    public LambdaTransformStage(string functionArn, string stageId, InvocationSettings settings, ILambdaInvoker lambda, TimeProvider timeProvider, ILogger<LambdaTransformStage> logger)
        : base(functionArn, stageId, settings with { MaxPayloadBytes = Math.Min(settings.MaxPayloadBytes, MaxRequestPayloadBytes) }, timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        _lambda = lambda;
        // A ":alias" or ":version" suffix stays in the name: Lambda's API reads the qualifier from there.
        _functionName = functionArn;
    }

    protected override string TimeoutErrorCode => TransformErrorCodes.InvokeTimedOut;

    protected override string UnexpectedErrorCode => TransformErrorCodes.ServiceException;

    protected override async Task<IReadOnlyList<TransformReply>> InvokeOnceAsync(ProcessingRun run, string invocationId, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        using var payload = new PooledBufferWriter(EstimateEventBytes(run, records));
        FirehoseEventWriter.Write(payload, invocationId, run, records);
        InvokeResponse response;
        try
        {
            response = await _lambda.InvokeAsync(
                new InvokeRequest { FunctionName = _functionName, Payload = payload.WrittenMemory },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonLambdaException ex)
        {
            throw new TransformInvocationException(CodeFor(ex), $"Invoking {Name} failed: {ex.Message}", ex);
        }

        if (!string.IsNullOrEmpty(response.FunctionError))
        {
            throw new TransformInvocationException(
                TransformErrorCodes.FunctionError,
                $"{Name} failed ({response.FunctionError}): {DescribeFunctionError(response.Payload.Span)}");
        }

        return FirehoseResponseReader.Read(response.Payload.Span);
    }

    private static string CodeFor(AmazonLambdaException exception) => exception switch
    {
        { IsThrottling: true } => TransformErrorCodes.InvokeLimitExceeded,
        { ErrorCode: "ResponseTooLarge" } => TransformErrorCodes.ResponseTooLarge,
        { ErrorCode: "NetworkError" } => TransformErrorCodes.NetworkError,
        { StatusCode: HttpStatusCode.NotFound } => TransformErrorCodes.ResourceNotFound,
        { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized } => TransformErrorCodes.InvokeAccessDenied,
        { StatusCode: HttpStatusCode.RequestEntityTooLarge } => TransformErrorCodes.PayloadTooLarge,
        { StatusCode: >= HttpStatusCode.InternalServerError } => TransformErrorCodes.ServiceException,
        _ => "Lambda." + exception.ErrorCode,
    };

    // The error object Lambda returns for a failed function: {"errorMessage": "...", "errorType": "...", "stackTrace": [...]}.
    private static string DescribeFunctionError(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            string? message = null;
            string? type = null;
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isMessage = JsonText.NameIs(ref reader, "errorMessage"u8);
                    bool isType = JsonText.NameIs(ref reader, "errorType"u8);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && (isMessage || isType))
                    {
                        string text = JsonText.TryGetString(ref reader, out string? value) ? value : "(not valid Unicode)";
                        (message, type) = isMessage ? (text, type) : (message, text);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }

            return message is null && type is null ? "no error message" : $"{type ?? "Error"}: {message}";
        }
        catch (JsonException)
        {
            return "the error payload is not JSON";
        }
    }
}
