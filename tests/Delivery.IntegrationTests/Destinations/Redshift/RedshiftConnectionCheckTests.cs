using Delivery.Destinations.Checks;
using Delivery.Destinations.Redshift;
using Delivery.Testing;
using Npgsql;

namespace Delivery.IntegrationTests.Destinations.Redshift;

/// <summary>The start-up connection check against a real PostgreSQL.</summary>
public sealed class RedshiftConnectionCheckTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const string Setting = "Delivery:Pipelines:wh:Redshift:ConnectionString";

    [Fact]
    public async Task AServerThatAcceptsTheConnection_Passes()
    {
        await using NpgsqlDataSource database = NpgsqlDataSource.Create(postgres.ConnectionString);

        (await new RedshiftConnectionCheck(database, Setting).RunAsync(CancellationToken.None)).ShouldBe(CheckOutcome.Ok);
    }

    [Fact]
    public async Task ADatabaseThatDoesNotExist_IsPermanent()
    {
        var connection = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = "no_such_database" };
        await using NpgsqlDataSource database = NpgsqlDataSource.Create(connection.ConnectionString);

        CheckOutcome outcome = await new RedshiftConnectionCheck(database, Setting).RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Permanent);
        outcome.Reason.ShouldStartWith("SQLSTATE 3D000: ");
    }
}
