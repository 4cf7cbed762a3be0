using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Delivery.Testing;
using Delivery.Transforms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Delivery.IntegrationTests.Transforms.Http;

/// <summary>
/// A Firehose-contract transform served by Kestrel at <c>POST /transform</c>, as a sidecar would serve one. What it does
/// is written in the records, <c>verb:text</c>:
/// <list type="bullet">
/// <item>per record: <c>ok</c> (data upper-cased), <c>drop</c>, <c>fail</c> (ProcessingFailed), <c>missing</c> (no result),
/// <c>dup</c> (two results), <c>b64</c> (data that is not base64);</item>
/// <item>for the whole invocation, when any record has it: <c>500</c> (always answers 500), <c>slow</c> (answers after 3 s),
/// <c>html</c> (an HTML page), <c>huge</c> (a 100 KiB body), <c>flaky</c> (503 on the first attempt, then like <c>ok</c>).</item>
/// </list>
/// </summary>
internal static class FirehoseTransformServer
{
    public static Task<LocalHttpServer> StartAsync(ConcurrentDictionary<string, int> attemptsByInvocation) =>
        LocalHttpServer.StartAsync(app => app.MapPost("/transform", async (HttpContext context) =>
        {
            if (context.Request.Headers["X-Api-Key"] != "secret")
            {
                return Results.StatusCode(401);
            }

            FirehoseTransformEvent received = (await JsonSerializer.DeserializeAsync<FirehoseTransformEvent>(context.Request.Body))!;
            int attempt = attemptsByInvocation.AddOrUpdate(received.InvocationId, 1, (_, n) => n + 1);
            string[] verbs = [.. received.Records.Select(record => Verb(record))];
            if (verbs.Contains("500"))
            {
                return Results.StatusCode(500);
            }

            if (verbs.Contains("flaky") && attempt == 1)
            {
                return Results.StatusCode(503);
            }

            if (verbs.Contains("slow"))
            {
                await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            }

            if (verbs.Contains("html"))
            {
                return Results.Content("<html><body>502 Bad Gateway</body></html>", "text/html");
            }

            if (verbs.Contains("huge"))
            {
                return Results.Content("{\"records\":[],\"padding\":\"" + new string('x', 100 * 1024) + "\"}", "application/json");
            }

            var results = new List<FirehoseTransformResponseRecord>();
            foreach (FirehoseTransformEventRecord record in received.Records)
            {
                string text = Encoding.UTF8.GetString(Convert.FromBase64String(record.Data));
                string upper = Convert.ToBase64String(Encoding.UTF8.GetBytes(text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..].ToUpperInvariant()));
                switch (Verb(record))
                {
                    case "drop":
                        results.Add(new(record.RecordId, TransformResult.Dropped, null));
                        break;
                    case "fail":
                        results.Add(new(record.RecordId, TransformResult.ProcessingFailed, null));
                        break;
                    case "missing":
                        break;
                    case "dup":
                        results.Add(new(record.RecordId, TransformResult.Ok, upper));
                        results.Add(new(record.RecordId, TransformResult.Ok, upper));
                        break;
                    case "b64":
                        results.Add(new(record.RecordId, TransformResult.Ok, "%%% not base64 %%%"));
                        break;
                    default:
                        results.Add(new(record.RecordId, TransformResult.Ok, upper));
                        break;
                }
            }

            return Results.Json(new FirehoseTransformResponse(results));
        }));

    private static string Verb(FirehoseTransformEventRecord record)
    {
        string text = Encoding.UTF8.GetString(Convert.FromBase64String(record.Data));
        return text[..Math.Max(0, text.IndexOf(':', StringComparison.Ordinal))];
    }
}
