using System.Globalization;
using System.Text;
using Delivery.Testing;
using Npgsql;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>The worker executable reading Kinesis into PostgreSQL through the Redshift destination's staging and COPY FROM STDIN.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisToPostgreSqlEndToEndTests(LocalAwsStack stack, PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const string Secret = "pg-secret-91c4";

    [Fact]
    public async Task EveryRecord_BecomesExactlyOneRow_WithTheConnectionStringNeverLogged()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 2);
        string table = "orders_" + Guid.NewGuid().ToString("N")[..10];
        await using NpgsqlDataSource database = NpgsqlDataSource.Create(postgres.ConnectionString);
        await using (NpgsqlCommand create = database.CreateCommand($"CREATE TABLE {table} (order_id bigint NOT NULL, customer text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        List<byte[]> records = [.. Enumerable.Range(0, 2000).Select(i => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{i},customer-{i % 97}")))];
        await scenario.PutAsync(records, new Random(3));

        const string P = $"Delivery:Pipelines:{DeliveryScenario.Pipeline}";
        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings.Remove($"{P}:S3:BucketName");
        settings.Remove($"{P}:S3:Prefix");
        // The cluster trusts local connections, so any password works; it is here to prove none reaches the output.
        settings[$"{P}:Redshift:ConnectionString"] = postgres.ConnectionString + ";Password=" + Secret;
        settings[$"{P}:Redshift:Table"] = table;
        settings[$"{P}:Redshift:Columns:0"] = "order_id";
        settings[$"{P}:Redshift:Columns:1"] = "customer";
        settings[$"{P}:Redshift:KeyColumns:0"] = "order_id";
        settings[$"{P}:Redshift:CopyOptions"] = "WITH (FORMAT csv)";
        settings[$"{P}:Redshift:Loader"] = "PostgreSqlCopyFromStdin";
        settings[$"{P}:Redshift:IntermediateS3:BucketName"] = scenario.BucketName;
        settings[$"{P}:Redshift:IntermediateS3:Prefix"] = "staging/";
        settings[$"{P}:Backup:BucketName"] = scenario.BucketName;

        await using (WorkerProcess worker = WorkerProcess.Start(stack, settings))
        {
            await scenario.WaitForCheckpointsAsync(TimeSpan.FromMinutes(3), () => worker.Output);
            await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));
            worker.Output.ShouldNotContain(Secret);
            worker.Output.ShouldContain("DeliveryPipeline[2001]", customMessage: "the worker logs its deliveries, so the check above has output to look at");
        }

        List<(long, string)> expected = [.. Enumerable.Range(0, 2000).Select(i => ((long)i, $"customer-{i % 97}"))];
        (await RowsAsync(database, table)).ShouldBe(expected);
    }

    private static async Task<List<(long, string)>> RowsAsync(NpgsqlDataSource database, string table)
    {
        var rows = new List<(long, string)>();
        await using NpgsqlCommand command = database.CreateCommand($"SELECT order_id, customer FROM {table} ORDER BY order_id, customer");
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }
}
