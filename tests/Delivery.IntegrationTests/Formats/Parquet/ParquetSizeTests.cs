using Delivery.Formats;
using Delivery.Formats.Ndjson;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Schema;
using Delivery.Testing;
using Xunit.Abstractions;

namespace Delivery.IntegrationTests.Formats.Parquet;

/// <summary>
/// Our Parquet file against the one DuckDB writes for the same rows with the same codec: the goal is within 10%. The
/// figures are printed (run with <c>--logger "console;verbosity=detailed"</c>); bench/Delivery.Formats.Bench prints
/// them for a larger set with the encoder throughput.
/// </summary>
public sealed class ParquetSizeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ParquetCompression.Snappy, "snappy")]
    [InlineData(ParquetCompression.Gzip, "gzip")]
    public async Task ClickstreamFile_IsWithinTenPercentOfDuckDbs(ParquetCompression compression, string duckDbCodec)
    {
        List<SourceRecord> records = ClickstreamRecords.Create(30_000);
        ParquetColumn[] columns = [.. ClickstreamRecords.Columns.Select(c => new ParquetColumn(c.Name, c.GlueType, TimestampUnit: TimestampUnit.Microseconds))];
        using var ours = new MemoryStream();
        new ParquetFormatter(columns, settings: new ParquetWriterSettings { Compression = compression }).Write(records, ours).Failures.ShouldBeEmpty();
        using var ndjson = new MemoryStream();
        new NewlineDelimitedFormatter().Write(records, ndjson);

        byte[] duckDb = await IndependentReaders.WriteParquetWithDuckDbAsync(ndjson.ToArray(), duckDbCodec, ClickstreamRecords.Columns.ToDictionary(c => c.Name, c => c.DuckDbType));

        double ratio = (double)ours.Length / duckDb.Length;
        output.WriteLine($"{records.Count} clickstream rows, {duckDbCodec}: Delivery {ours.Length:N0} B, DuckDB {duckDb.Length:N0} B, ratio {ratio:F3}");
        ratio.ShouldBeLessThanOrEqualTo(1.10);
    }
}
