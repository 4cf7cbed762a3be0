using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Delivery.Testing;

/// <summary>
/// Runs <c>tests/parquet-readers/read.mjs</c>: DuckDB, arrow-rs (parquet-wasm), hyparquet and snappyjs, readers no
/// one on the team wrote, on the files Delivery writes; Parquet files are also read in process by ParquetSharp
/// (Apache Arrow's C++ library, see <see cref="ParquetSharpReader"/>). Installs the npm packages on first use, as the emulators are
/// (with npm install from the lockfile: npm ci wants lock entries for DuckDB's bindings of every other platform).
/// </summary>
public static class IndependentReaders
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    public static string Directory { get; } = Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "parquet-readers");

    /// <summary>Every row as DuckDB, arrow-rs, hyparquet and Arrow C++ read it (canonical JSON values), plus footer facts.</summary>
    public static async Task<ParquetReadout> ReadParquetAsync(byte[] file)
    {
        string path = await WriteTempAsync(file, ".parquet").ConfigureAwait(false);
        try
        {
            JsonNode result = JsonNode.Parse(await RunAsync("parquet", path).ConfigureAwait(false))!;
            return new ParquetReadout(
                result["duckdb"]!.AsArray(), result["arrow"]!.AsArray(), result["hyparquet"]!.AsArray(), result["footer"]!.AsObject(),
                ParquetSharpReader.ReadRows(file), ParquetSharpReader.ReadFooter(file));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The lines of a gzip NDJSON file as DuckDB's <c>read_ndjson_objects</c> returns them.</summary>
    public static async Task<IReadOnlyList<string>> ReadGzipNdjsonWithDuckDbAsync(byte[] file)
    {
        string path = await WriteTempAsync(file, ".json.gz").ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(await RunAsync("ndjson-gz", path).ConfigureAwait(false))!.AsArray().Select(line => line!.GetValue<string>()).ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Decodes framed Snappy ("snappy-framed") or Hadoop-Snappy ("hadoop-snappy") with snappyjs.</summary>
    public static async Task<byte[]> DecodeSnappyAsync(string framing, byte[] file)
    {
        string input = await WriteTempAsync(file, ".snappy").ConfigureAwait(false);
        string output = input + ".out";
        try
        {
            await RunAsync(framing, input, output).ConfigureAwait(false);
            return await File.ReadAllBytesAsync(output).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    /// <summary>Has DuckDB write its own Parquet file of the NDJSON rows, with <paramref name="columns"/> as DuckDB types.</summary>
    public static async Task<byte[]> WriteParquetWithDuckDbAsync(byte[] ndjson, string codec, IReadOnlyDictionary<string, string> columns)
    {
        string input = await WriteTempAsync(ndjson, ".ndjson").ConfigureAwait(false);
        string output = input + ".parquet";
        try
        {
            var spec = new JsonObject();
            foreach ((string name, string type) in columns)
            {
                spec[name] = type;
            }

            await RunAsync("duckdb-write", input, output, codec, spec.ToJsonString()).ConfigureAwait(false);
            return await File.ReadAllBytesAsync(output).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    private static async Task<string> WriteTempAsync(byte[] bytes, string extension)
    {
        string path = Path.Combine(Path.GetTempPath(), "delivery-readers-" + Guid.NewGuid().ToString("N") + extension);
        await File.WriteAllBytesAsync(path, bytes).ConfigureAwait(false);
        return path;
    }

    private static async Task<string> RunAsync(params string[] arguments)
    {
        await EnsureInstalledAsync().ConfigureAwait(false);
        var start = new ProcessStartInfo("node") { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("read.mjs");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"read.mjs {arguments[0]} failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }

        return await stdout.ConfigureAwait(false);
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_installed || System.IO.Directory.Exists(Path.Combine(Directory, "node_modules")))
            {
                _installed = true;
                return;
            }

            using Process process = Process.Start(new ProcessStartInfo("npm", "install --no-audit --no-fund --no-save --loglevel=error") { WorkingDirectory = Directory, UseShellExecute = false })
                ?? throw new InvalidOperationException("Could not start npm.");
            await process.WaitForExitAsync().ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm install in {Directory} failed with exit code {process.ExitCode}.");
            }

            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }
}

/// <summary>What the four Parquet readers returned for one file, and the footer as hyparquet and Arrow C++ read it.</summary>
public sealed record ParquetReadout(JsonArray DuckDb, JsonArray Arrow, JsonArray Hyparquet, JsonObject Footer, JsonArray ParquetSharp, JsonObject ParquetSharpFooter)
{
    public IEnumerable<(string Reader, JsonArray Rows)> ByReader =>
        [("DuckDB", DuckDb), ("arrow-rs (parquet-wasm)", Arrow), ("hyparquet", Hyparquet), ("ParquetSharp (Arrow C++)", ParquetSharp)];

    /// <summary>Row groups, codecs, encodings and statistics in one shape; only hyparquet's says whether a dictionary page exists.</summary>
    public IEnumerable<(string Reader, JsonObject Footer)> Footers => [("hyparquet", Footer), ("ParquetSharp (Arrow C++)", ParquetSharpFooter)];
}
