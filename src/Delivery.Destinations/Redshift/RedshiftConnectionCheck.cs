using System.Net.Sockets;
using Delivery.Destinations.Checks;
using Npgsql;

namespace Delivery.Destinations.Redshift;

/// <summary>
/// Checks at start that the warehouse accepts a connection: one connection opened from the pipeline's pool and closed.
/// Refused authentication, a database that does not exist and a host that does not resolve are permanent; a refused
/// connection, a timeout or a server that is starting up are transient.
/// </summary>
public sealed class RedshiftConnectionCheck : IDestinationCheck
{
    // Invalid authorization (a refused password or pg_hba rule), a database that does not exist, a missing privilege.
    private static readonly string[] PermanentSqlStateClasses = ["28", "3D", "42"];

    private readonly NpgsqlDataSource _database;

    /// <param name="database">The pipeline's connection pool.</param>
    /// <param name="setting">The configuration key of the connection string.</param>
    public RedshiftConnectionCheck(NpgsqlDataSource database, string setting)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrEmpty(setting);
        _database = database;
        Setting = setting;
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        Target = $"{connection.Host}:{connection.Port}/{connection.Database}";
    }

    public string Setting { get; }

    /// <summary>Host, port and database; never the password or the rest of the connection string.</summary>
    public string Target { get; }

    /// <summary>Whether a failure to connect can clear up by itself; null for an exception that is not a connection failure.</summary>
    public static CheckOutcome? Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is PostgresException postgres)
        {
            string reason = $"SQLSTATE {postgres.SqlState}: {postgres.MessageText}";
            return PermanentSqlStateClasses.Contains(postgres.SqlState[..2], StringComparer.Ordinal) ? CheckOutcome.Permanent(reason) : CheckOutcome.Transient(reason);
        }

        if (exception is not (NpgsqlException or SocketException or IOException or TimeoutException))
        {
            return null;
        }

        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData })
            {
                return CheckOutcome.Permanent($"the host does not resolve ({exception.Message})");
            }
        }

        return CheckOutcome.Transient(exception.InnerException is { } cause ? $"{exception.Message} ({cause.Message})" : exception.Message);
    }

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            return CheckOutcome.Ok;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && Classify(exception) is { } outcome)
        {
            return outcome;
        }
    }
}
