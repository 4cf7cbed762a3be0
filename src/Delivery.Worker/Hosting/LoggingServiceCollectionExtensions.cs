using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Delivery.Worker.Hosting;

/// <summary>
/// Console logs as one JSON object per line (chosen in appsettings.json with <c>Logging:Console:FormatterName</c>),
/// with scopes (pipeline, shard, batch) as properties, so CloudWatch Logs Insights can filter on them.
/// </summary>
internal static class LoggingServiceCollectionExtensions
{
    public static IServiceCollection AddDeliveryLogging(this IServiceCollection services) =>
        services.Configure<JsonConsoleFormatterOptions>(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat ??= "yyyy-MM-ddTHH:mm:ss.fffZ";

            // Log lines are not HTML: keep quotes, apostrophes and non-ASCII text readable instead of \u-escaped.
            json.JsonWriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
        });
}
