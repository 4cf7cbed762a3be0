using System.Text.Json.Nodes;
using Delivery.Destinations.Http;
using Delivery.Destinations.Http.Presets;

namespace Delivery.Worker.CommandLine;

/// <summary>HTTP endpoint destinations: a partner service's published URL becomes its preset.</summary>
internal static partial class FirehoseImporter
{
    /// <summary>
    /// A partner service's published URL becomes its preset and site, with the encoding written out only where Firehose
    /// used another than the preset's; any other URL is kept as it is.
    /// </summary>
    private static JsonObject EndpointOf(string url, bool gzip, List<string> notes)
    {
        // Firehose's default, and what it reports for a disabled encoding, is NONE.
        HttpContentEncoding encoding = gzip ? HttpContentEncoding.Gzip : HttpContentEncoding.None;
        if (PartnerPresets.Match(url) is { } preset)
        {
            var fromPreset = new JsonObject { ["Preset"] = preset.Preset.ToString(), ["Site"] = preset.Site };
            if (preset.Dataset is { } dataset)
            {
                fromPreset["Dataset"] = dataset;
            }

            if (encoding != preset.ContentEncoding)
            {
                fromPreset["ContentEncoding"] = encoding.ToString();
            }

            notes.Add($"{url} is the published endpoint of {PartnerPresets.Of(preset.Preset).Service}: imported as HttpEndpoint:Preset {preset.Preset} with Site {preset.Site}.");
            return fromPreset;
        }

        var destination = new JsonObject { ["Url"] = url };
        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            destination["AllowPlainHttp"] = true;
        }

        if (encoding == HttpContentEncoding.Gzip)
        {
            destination["ContentEncoding"] = "Gzip";
        }

        return destination;
    }
}
