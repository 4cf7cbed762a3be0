using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// Maps the JSON of Firehose's <c>DescribeDeliveryStream</c> (as <c>aws firehose describe-delivery-stream</c> prints
/// it) to a Delivery pipeline: source stream, buffering, prefixes, compression, processors, dynamic partitioning,
/// format conversion, backup, encryption, and the S3, HTTP endpoint (a partner's by its preset), Redshift, OpenSearch
/// or Splunk destination. What Firehose does that this mapping cannot express is reported as a note, never dropped
/// without a word.
/// </summary>
internal static partial class FirehoseImporter
{
    /// <summary>The pipeline configuration (the object under <c>Delivery:Pipelines:&lt;name&gt;</c>), its name, region and notes.</summary>
    public static ImportedPipeline Map(JsonElement root, string? pipelineName)
    {
        JsonElement stream = root.TryGetProperty("DeliveryStreamDescription", out JsonElement described) ? described : root;
        var notes = new List<string>();
        string firehoseName = Text(stream, "DeliveryStreamName") ?? throw new FormatException("The input has no DeliveryStreamName: is it the output of 'aws firehose describe-delivery-stream'?");
        string name = pipelineName ?? PipelineName(firehoseName);
        var pipeline = new JsonObject();
        string? region = RegionOf(Text(stream, "DeliveryStreamARN"));

        MapSource(stream, name, pipeline, notes, ref region);
        if (!stream.TryGetProperty("Destinations", out JsonElement destinations) || destinations.GetArrayLength() == 0)
        {
            throw new FormatException($"Delivery stream '{firehoseName}' has no destination in the input.");
        }

        if (destinations.GetArrayLength() > 1)
        {
            notes.Add($"Firehose lists {destinations.GetArrayLength()} destinations; only the first is imported.");
        }

        JsonElement destination = destinations[0];
        if (destination.TryGetProperty("ExtendedS3DestinationDescription", out JsonElement extended))
        {
            MapS3(extended, pipeline, notes, extendedS3: true);
        }
        else if (destination.TryGetProperty("S3DestinationDescription", out JsonElement s3))
        {
            MapS3(s3, pipeline, notes, extendedS3: false);
        }
        else if (destination.TryGetProperty("HttpEndpointDestinationDescription", out JsonElement http))
        {
            MapHttpEndpoint(http, pipeline, notes);
        }
        else if (destination.TryGetProperty("RedshiftDestinationDescription", out JsonElement redshift))
        {
            MapRedshift(redshift, pipeline, notes);
        }
        else if (destination.TryGetProperty("AmazonopensearchserviceDestinationDescription", out JsonElement openSearch)
            || destination.TryGetProperty("ElasticsearchDestinationDescription", out openSearch))
        {
            MapOpenSearch(openSearch, pipeline, notes, region);
        }
        else if (destination.TryGetProperty("SplunkDestinationDescription", out JsonElement splunk))
        {
            MapSplunk(splunk, name, pipeline, notes);
        }
        else
        {
            string kind = destination.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n.EndsWith("DestinationDescription", StringComparison.Ordinal)) ?? "unknown";
            throw new FormatException($"Delivery stream '{firehoseName}' delivers to {kind}; Delivery delivers to S3, HTTP endpoints, Redshift, OpenSearch and Splunk.");
        }

        return new ImportedPipeline(name, region, pipeline, notes);
    }

    private static void MapSource(JsonElement stream, string pipelineName, JsonObject pipeline, List<string> notes, ref string? region)
    {
        var kinesis = new JsonObject();
        pipeline["Kinesis"] = kinesis;
        if (stream.TryGetProperty("Source", out JsonElement source) && source.TryGetProperty("KinesisStreamSourceDescription", out JsonElement kinesisSource)
            && Text(kinesisSource, "KinesisStreamARN") is { } arn)
        {
            kinesis["StreamName"] = arn[(arn.LastIndexOf('/') + 1)..];
            region ??= RegionOf(arn);
        }
        else
        {
            kinesis["StreamName"] = pipelineName;
            notes.Add($"This is a Direct PUT stream: Delivery stores what producers put in a Kinesis data stream, which it then reads. Create that stream (Kinesis:StreamName, now '{pipelineName}'), turn on Delivery:DirectPut with its Port and Authentication key pairs, set DirectPut:Enabled on this pipeline, and point the producers' Firehose endpoint at the listener; the key pairs' secrets cannot be imported.");
        }

        notes.Add("Kinesis:InitialPosition is TrimHorizon (the default), which loses nothing but re-delivers what Firehose already delivered within the stream's retention; to cut over without that, stop the Firehose stream and set InitialPosition AtTimestamp with InitialTimestamp at that moment.");
    }

    private static void MapS3(JsonElement s3, JsonObject pipeline, List<string> notes, bool extendedS3)
    {
        MapBuffering(s3, pipeline);
        // Firehose writes records back to back; a delimiter, when wanted, comes from a processor (AppendDelimiterToRecord).
        var destination = new JsonObject { ["BucketName"] = BucketOf(Text(s3, "BucketARN")), ["RecordDelimiter"] = "" };
        pipeline["S3"] = destination;
        if (Text(s3, "Prefix") is { Length: > 0 } prefix)
        {
            destination["Prefix"] = prefix;
        }

        if (Compression(Text(s3, "CompressionFormat")) is { } compression)
        {
            destination["CompressionFormat"] = compression;
        }

        SetEncryption(destination, s3);

        // Firehose writes records that fail to the destination bucket under the error output prefix, encrypted as the
        // destination's objects are.
        var backup = new JsonObject { ["BucketName"] = destination["BucketName"]!.GetValue<string>() };
        if (Text(s3, "ErrorOutputPrefix") is { Length: > 0 } errorPrefix)
        {
            backup["ErrorOutputPrefix"] = errorPrefix;
        }

        SetEncryption(backup, s3);
        pipeline["Backup"] = backup;
        if (extendedS3)
        {
            if (Text(s3, "S3BackupMode") == "Enabled" && s3.TryGetProperty("S3BackupDescription", out JsonElement sourceBackup))
            {
                destination["S3BackupMode"] = "Enabled";
                backup["BucketName"] = BucketOf(Text(sourceBackup, "BucketARN"));
                if (Text(sourceBackup, "Prefix") is { Length: > 0 } backupPrefix)
                {
                    backup["Prefix"] = backupPrefix;
                }

                backup.Remove("EncryptionConfiguration");
                SetEncryption(backup, sourceBackup);
                notes.Add("Source-record backup is on: failed records now go to the backup bucket too (Firehose put them in the destination bucket).");
            }

            MapKeySettings(s3, destination);
            MapProcessing(s3, pipeline, notes);
            MapDynamicPartitioning(s3, pipeline, notes);
            MapFormatConversion(s3, destination, notes);
        }
    }

    private static void MapHttpEndpoint(JsonElement http, JsonObject pipeline, List<string> notes)
    {
        MapBuffering(http, pipeline);
        JsonElement endpoint = http.GetProperty("EndpointConfiguration");
        string url = Text(endpoint, "Url") ?? throw new FormatException("HttpEndpointDestinationDescription has no EndpointConfiguration.Url.");
        http.TryGetProperty("RequestConfiguration", out JsonElement request);
        JsonObject destination = EndpointOf(url, gzip: Text(request, "ContentEncoding") is "GZIP", notes);
        if (request.ValueKind == JsonValueKind.Object)
        {
            if (request.TryGetProperty("CommonAttributes", out JsonElement attributes) && attributes.GetArrayLength() > 0)
            {
                var common = new JsonObject();
                foreach (JsonElement attribute in attributes.EnumerateArray())
                {
                    common[Text(attribute, "AttributeName")!] = Text(attribute, "AttributeValue") ?? "";
                }

                destination["CommonAttributes"] = common;
            }
        }

        if (RetryDuration(http) is { } retry)
        {
            destination["RetryDurationSeconds"] = retry;
        }

        if (Text(http, "S3BackupMode") is "AllData")
        {
            destination["S3BackupMode"] = "AllData";
        }

        pipeline["HttpEndpoint"] = destination;
        notes.Add("The endpoint's access key is not in DescribeDeliveryStream output: pass it as Delivery__Pipelines__<name>__HttpEndpoint__AccessKey from a secret, never in a file.");
        if (http.TryGetProperty("S3DestinationDescription", out JsonElement backupBucket))
        {
            MapBackupBucket(backupBucket, pipeline);
        }

        MapProcessing(http, pipeline, notes);
    }

    private static void MapRedshift(JsonElement redshift, JsonObject pipeline, List<string> notes)
    {
        JsonElement copy = redshift.GetProperty("CopyCommand");
        var destination = new JsonObject
        {
            ["ConnectionString"] = ConnectionString(Text(redshift, "ClusterJDBCURL"), Text(redshift, "Username")),
            ["Table"] = Text(copy, "DataTableName"),
        };
        if (Text(copy, "DataTableColumns") is { Length: > 0 } columns)
        {
            destination["Columns"] = new JsonArray([.. columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(column => JsonValue.Create(column))]);
        }

        if (Text(copy, "CopyOptions") is { Length: > 0 } options)
        {
            destination["CopyOptions"] = options;
        }

        if (RetryDuration(redshift) is { } retry)
        {
            destination["RetryDurationSeconds"] = retry;
        }

        if (Text(redshift, "RoleARN") is { } role)
        {
            destination["IamRoleArn"] = role;
            notes.Add($"COPY runs with IAM role {role} (Firehose's role); it must be attached to the cluster and may read the intermediate bucket.");
        }

        if (redshift.TryGetProperty("S3DestinationDescription", out JsonElement staging))
        {
            MapBuffering(staging, pipeline);
            var intermediate = new JsonObject { ["BucketName"] = BucketOf(Text(staging, "BucketARN")) };
            if (Text(staging, "Prefix") is { Length: > 0 } prefix)
            {
                intermediate["Prefix"] = prefix;
            }

            if (Compression(Text(staging, "CompressionFormat")) is { } compression)
            {
                intermediate["CompressionFormat"] = compression;
            }

            SetEncryption(intermediate, staging);
            destination["IntermediateS3"] = intermediate;
            var backup = new JsonObject { ["BucketName"] = intermediate["BucketName"]!.GetValue<string>() };
            if (Text(staging, "ErrorOutputPrefix") is { Length: > 0 } errorPrefix)
            {
                backup["ErrorOutputPrefix"] = errorPrefix;
            }

            SetEncryption(backup, staging);
            pipeline["Backup"] = backup;
        }

        pipeline["Redshift"] = destination;
        notes.Add("The Redshift password is not in DescribeDeliveryStream output: set PGPASSWORD (or the connection string) from a secret.");
        if (Text(redshift, "S3BackupMode") == "Enabled" && redshift.TryGetProperty("S3BackupDescription", out JsonElement sourceBackup))
        {
            MapBackupBucket(sourceBackup, pipeline);
            destination["S3BackupMode"] = "Enabled";
        }

        MapProcessing(redshift, pipeline, notes);
    }

    /// <summary>An Npgsql connection string from Firehose's <c>jdbc:redshift://host:port/database</c>.</summary>
    private static string ConnectionString(string? jdbcUrl, string? username)
    {
        Match url = JdbcUrl().Match(jdbcUrl ?? "");
        if (!url.Success)
        {
            throw new FormatException($"ClusterJDBCURL '{jdbcUrl}' is not of the form jdbc:redshift://host:port/database.");
        }

        string port = url.Groups[2].Success ? url.Groups[2].Value : "5439";
        return $"Host={url.Groups[1].Value};Port={port};Database={url.Groups[3].Value};Username={username};SSL Mode=Require";
    }

    private static void MapBackupBucket(JsonElement s3, JsonObject pipeline)
    {
        var backup = new JsonObject { ["BucketName"] = BucketOf(Text(s3, "BucketARN")) };
        if (Text(s3, "Prefix") is { Length: > 0 } prefix)
        {
            backup["Prefix"] = prefix;
        }

        if (Text(s3, "ErrorOutputPrefix") is { Length: > 0 } errorPrefix)
        {
            backup["ErrorOutputPrefix"] = errorPrefix;
        }

        SetEncryption(backup, s3);
        pipeline["Backup"] = backup;
    }

    private static void MapBuffering(JsonElement destination, JsonObject pipeline)
    {
        if (!destination.TryGetProperty("BufferingHints", out JsonElement hints))
        {
            return;
        }

        var buffering = new JsonObject();
        if (Number(hints, "SizeInMBs") is { } size)
        {
            buffering["SizeInMBs"] = size;
        }

        if (Number(hints, "IntervalInSeconds") is { } interval)
        {
            buffering["IntervalInSeconds"] = interval;
        }

        pipeline["Buffering"] = buffering;
    }

    /// <summary>Firehose's processors, in order, each with its parameters as settings of the same names, as Delivery's take them.</summary>
    private static void MapProcessing(JsonElement destination, JsonObject pipeline, List<string> notes)
    {
        if (!destination.TryGetProperty("ProcessingConfiguration", out JsonElement processing) || processing.TryGetProperty("Enabled", out JsonElement enabled) && !enabled.GetBoolean()
            || !processing.TryGetProperty("Processors", out JsonElement processors) || processors.GetArrayLength() == 0)
        {
            return;
        }

        var list = new JsonArray();
        foreach (JsonElement processor in processors.EnumerateArray())
        {
            var settings = new JsonObject { ["Type"] = Text(processor, "Type") };
            if (processor.TryGetProperty("Parameters", out JsonElement values))
            {
                foreach (JsonElement parameter in values.EnumerateArray())
                {
                    string name = Text(parameter, "ParameterName")!;
                    string? value = Text(parameter, "ParameterValue");
                    if (name == "RoleArn")
                    {
                        notes.Add($"The {Text(processor, "Type")} processor's RoleArn ({value}) is Firehose's invocation role; Delivery invokes with the task role, which needs lambda:InvokeFunction on the function.");
                        continue;
                    }

                    // Firehose's API takes delimiters base64-encoded; Delivery takes the text.
                    settings[name] = name == "Delimiter" && value is not null ? DecodeDelimiter(value) : value;
                }
            }

            list.Add(settings);
        }

        pipeline["Processing"] = new JsonObject { ["Enabled"] = true, ["Processors"] = list };
    }

    private static void MapDynamicPartitioning(JsonElement s3, JsonObject pipeline, List<string> notes)
    {
        if (s3.TryGetProperty("DynamicPartitioningConfiguration", out JsonElement partitioning)
            && partitioning.TryGetProperty("Enabled", out JsonElement enabled) && enabled.GetBoolean())
        {
            pipeline["DynamicPartitioning"] = new JsonObject { ["Enabled"] = true };
            if (RetryDuration(partitioning) is { } retry)
            {
                notes.Add($"DynamicPartitioning:RetryDurationSeconds ({retry}) is not carried over: Delivery retries a partition's object until S3 accepts it, holding the shard's checkpoint, as for any S3 write.");
            }
        }
    }

    private static void MapFormatConversion(JsonElement s3, JsonObject destination, List<string> notes)
    {
        if (!s3.TryGetProperty("DataFormatConversionConfiguration", out JsonElement conversion)
            || conversion.TryGetProperty("Enabled", out JsonElement enabled) && !enabled.GetBoolean())
        {
            return;
        }

        var section = new JsonObject { ["Enabled"] = true };
        if (conversion.TryGetProperty("OutputFormatConfiguration", out JsonElement output) && output.TryGetProperty("Serializer", out JsonElement serializer))
        {
            if (serializer.TryGetProperty("ParquetSerDe", out JsonElement parquet))
            {
                section["OutputFormat"] = "Parquet";
                foreach ((string from, string to) in new[] { ("BlockSizeBytes", "BlockSizeBytes"), ("PageSizeBytes", "PageSizeBytes") })
                {
                    if (Number(parquet, from) is { } value)
                    {
                        section[to] = value;
                    }
                }

                if (Text(parquet, "Compression") is { } compression)
                {
                    section["Compression"] = compression switch { "SNAPPY" => "Snappy", "GZIP" => "Gzip", "UNCOMPRESSED" => "Uncompressed", _ => compression };
                }

                if (parquet.TryGetProperty("EnableDictionaryCompression", out JsonElement dictionary))
                {
                    section["EnableDictionaryCompression"] = dictionary.GetBoolean();
                }
            }
            else
            {
                notes.Add("Only Parquet output is imported; ORC is not supported by Delivery.");
            }
        }

        if (conversion.TryGetProperty("InputFormatConfiguration", out JsonElement input) && input.TryGetProperty("Deserializer", out JsonElement deserializer)
            && deserializer.TryGetProperty("OpenXJsonSerDe", out JsonElement openX))
        {
            var openXJson = new JsonObject();
            foreach (string flag in new[] { "CaseInsensitive", "ConvertDotsInJsonKeysToUnderscores" })
            {
                if (openX.TryGetProperty(flag, out JsonElement value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    openXJson[flag] = value.GetBoolean();
                }
            }

            if (openX.TryGetProperty("ColumnToJsonKeyMappings", out JsonElement mappings) && mappings.ValueKind == JsonValueKind.Object)
            {
                openXJson["ColumnToJsonKeyMappings"] = JsonNode.Parse(mappings.GetRawText());
            }

            section["OpenXJson"] = openXJson;
        }

        if (conversion.TryGetProperty("SchemaConfiguration", out JsonElement schema))
        {
            notes.Add($"The conversion schema lives in Glue table {Text(schema, "DatabaseName")}.{Text(schema, "TableName")}, which DescribeDeliveryStream does not include: copy its columns into S3:DataFormatConversion:Columns (Glue type names).");
        }

        destination["DataFormatConversion"] = section;
    }

    private static string DecodeDelimiter(string base64)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return base64;
        }
    }

    private static long? RetryDuration(JsonElement destination) =>
        destination.TryGetProperty("RetryOptions", out JsonElement retry) ? Number(retry, "DurationInSeconds") : null;

    private static string? Compression(string? firehose) => firehose switch
    {
        null => null,
        "UNCOMPRESSED" => "Uncompressed",
        "GZIP" => "Gzip",
        "ZIP" => "Zip",
        "Snappy" => "Snappy",
        "HADOOP_SNAPPY" => "HadoopSnappy",
        _ => firehose,
    };

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;

    private static string BucketOf(string? arn) =>
        arn is null ? throw new FormatException("An S3 destination has no BucketARN.") : arn[(arn.LastIndexOf(':') + 1)..];

    private static string? RegionOf(string? arn) => arn?.Split(':') is { Length: > 3 } parts && parts[3].Length > 0 ? parts[3] : null;

    private static string PipelineName(string firehoseName)
    {
        string name = InvalidNameCharacters().Replace(firehoseName, "-");
        return name.Length > 64 ? name[..64] : name;
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex InvalidNameCharacters();

    [GeneratedRegex(@"^jdbc:redshift://([^:/]+)(?::(\d+))?/([^?;]+)")]
    private static partial Regex JdbcUrl();
}

/// <summary>One imported pipeline: its name, the region of its ARNs, its settings and what could not be carried over.</summary>
internal sealed record ImportedPipeline(string Name, string? Region, JsonObject Settings, List<string> Notes);
