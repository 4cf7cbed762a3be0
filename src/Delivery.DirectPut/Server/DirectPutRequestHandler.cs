using System.Buffers;
using Delivery.DirectPut.Authentication;
using Delivery.DirectPut.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Delivery.DirectPut.Server;

/// <summary>
/// One Firehose API request over HTTP: capacity, body, signature, operation, answer. The order matters: a request over
/// capacity is refused before its body is read (so memory stays bounded), and the signature is checked over the whole
/// body before anything is parsed or stored.
/// </summary>
public sealed class DirectPutRequestHandler(FirehoseApi api, RequestAuthenticator authenticator, int maxConcurrentRequests, TimeProvider time, ILogger<DirectPutRequestHandler> logger) : IDisposable
{
    private readonly SemaphoreSlim _capacity = new(maxConcurrentRequests, maxConcurrentRequests);

    public void Dispose() => _capacity.Dispose();

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Every answer carries a request id, as Firehose's do; the SDKs show it with errors.
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        if (!await _capacity.WaitAsync(TimeSpan.Zero, context.RequestAborted).ConfigureAwait(false))
        {
            await WriteAsync(context, FirehoseAnswer.Error(FirehoseError.ServiceUnavailable(
                $"Slow down: this Direct PUT endpoint is already handling {maxConcurrentRequests} requests (Delivery:DirectPut:MaxConcurrentRequests). Back off and retry."))).ConfigureAwait(false);
            return;
        }

        try
        {
            await WriteAsync(context, await AnswerAsync(context).ConfigureAwait(false)).ConfigureAwait(false);
        }
        finally
        {
            _capacity.Release();
        }
    }

    private async Task<FirehoseAnswer> AnswerAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        string? target = request.Headers["X-Amz-Target"].FirstOrDefault();
        if (!HttpMethods.IsPost(request.Method))
        {
            return Refused(context, FirehoseError.UnknownOperation(target is null ? null : $"{request.Method} {target}"));
        }

        byte[]? body = await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return Refused(context, FirehoseError.InvalidArgument(
                $"The request body is larger than {FirehoseError.Number(FirehoseProtocol.MaxRequestBodyBytes)} bytes; a PutRecordBatch call carries at most 500 records and 4 MiB of data."));
        }

        if (authenticator.Authenticate(request.Method, RequestUri(context), name => Header(request, name), body, time.GetUtcNow()) is { } refused)
        {
            return Refused(context, refused);
        }

        if (target is null || !target.StartsWith(FirehoseProtocol.TargetPrefix, StringComparison.Ordinal)
            || !FirehoseProtocol.Operations.Contains(target[FirehoseProtocol.TargetPrefix.Length..]))
        {
            return Refused(context, FirehoseError.UnknownOperation(target));
        }

        string operation = target[FirehoseProtocol.TargetPrefix.Length..];
        try
        {
            return await api.HandleAsync(operation, body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // A bug, not the producer's fault: the call may be retried, and nothing was acknowledged.
            Log.RequestFailed(logger, ex, operation);
            return FirehoseAnswer.Error(FirehoseError.ServiceUnavailable($"The {operation} call failed inside Direct PUT ({ex.GetType().Name}); nothing was acknowledged. Retry it."));
        }
    }

    private FirehoseAnswer Refused(HttpContext context, FirehoseError error)
    {
        Log.RequestRefused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", error.Type, error.Message);
        return FirehoseAnswer.Error(error);
    }

    /// <summary>The body, or null when it is over <see cref="FirehoseProtocol.MaxRequestBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > FirehoseProtocol.MaxRequestBodyBytes)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length ? (int)length + 1 : 16 * 1024);
        while (await request.Body.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false) is var read and > 0)
        {
            buffer.Advance(read);
            if (buffer.WrittenCount > FirehoseProtocol.MaxRequestBodyBytes)
            {
                return null;
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The URI as the client signed it: the request target exactly as it came on the wire.</summary>
    private static Uri RequestUri(HttpContext context)
    {
        string rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : context.Request.Path + context.Request.QueryString;
        return rawTarget.StartsWith('/') ? new Uri("http://direct-put" + rawTarget) : new Uri(rawTarget);
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out Microsoft.Extensions.Primitives.StringValues values) && values.Count > 0
            ? string.Join(',', values.Select(value => value?.Trim()))
            : null;

    private static async Task WriteAsync(HttpContext context, FirehoseAnswer answer)
    {
        HttpResponse response = context.Response;
        response.StatusCode = answer.StatusCode;
        response.ContentType = FirehoseProtocol.ContentType;
        if (answer.ErrorType is { } type)
        {
            response.Headers["x-amzn-ErrorType"] = type;
        }

        response.ContentLength = answer.Body.Length;
        await response.Body.WriteAsync(answer.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
