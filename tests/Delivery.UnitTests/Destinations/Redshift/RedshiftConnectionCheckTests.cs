using System.Net.Sockets;
using Delivery.Destinations.Checks;
using Delivery.Destinations.Redshift;
using Npgsql;

namespace Delivery.UnitTests.Destinations.Redshift;

public sealed class RedshiftConnectionCheckTests
{
    [Theory]
    [InlineData("28P01", "password authentication failed for user \"loader\"")]
    [InlineData("28000", "no pg_hba.conf entry for host")]
    [InlineData("3D000", "database \"analytics\" does not exist")]
    [InlineData("42501", "permission denied for database analytics")]
    public void ARefusalThatRetryingCannotFix_IsPermanent(string sqlState, string message)
    {
        CheckOutcome? outcome = RedshiftConnectionCheck.Classify(new PostgresException(message, "FATAL", "FATAL", sqlState));

        outcome.ShouldNotBeNull().Status.ShouldBe(CheckStatus.Permanent);
        outcome.Value.Reason.ShouldBe($"SQLSTATE {sqlState}: {message}");
    }

    [Theory]
    [InlineData("57P03", "the database system is starting up")]
    [InlineData("53300", "sorry, too many clients already")]
    [InlineData("08006", "connection failure")]
    public void AStateThatClearsUp_IsTransient(string sqlState, string message) =>
        RedshiftConnectionCheck.Classify(new PostgresException(message, "FATAL", "FATAL", sqlState)).ShouldNotBeNull().Status.ShouldBe(CheckStatus.Transient);

    [Fact]
    public void AHostThatDoesNotResolve_IsPermanent()
    {
        var exception = new NpgsqlException("Failed to connect to warehouse.invalid", new SocketException((int)SocketError.HostNotFound));

        CheckOutcome? outcome = RedshiftConnectionCheck.Classify(exception);

        outcome.ShouldNotBeNull().Status.ShouldBe(CheckStatus.Permanent);
        outcome.Value.Reason.ShouldContain("does not resolve");
    }

    [Fact]
    public void ARefusedConnection_IsTransient() =>
        RedshiftConnectionCheck.Classify(new NpgsqlException("Failed to connect to 127.0.0.1:5439", new SocketException((int)SocketError.ConnectionRefused)))
            .ShouldNotBeNull().Status.ShouldBe(CheckStatus.Transient);

    [Fact]
    public void AnExceptionThatIsNoConnectionFailure_IsLeftToTheCaller() =>
        RedshiftConnectionCheck.Classify(new InvalidOperationException("bug")).ShouldBeNull();

    [Fact]
    public async Task AClosedPort_IsTransient_AndTheTargetHoldsNoPassword()
    {
        int port;
        using (var closed = new TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            closed.Start();
            port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        }

        await using NpgsqlDataSource database = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Database=analytics;Username=loader;Password=hunter2;Timeout=5");
        var check = new RedshiftConnectionCheck(database, "Delivery:Pipelines:wh:Redshift:ConnectionString");

        CheckOutcome outcome = await check.RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Transient);
        check.Target.ShouldBe($"127.0.0.1:{port}/analytics");
        outcome.Reason.ShouldNotContain("hunter2");
    }
}
