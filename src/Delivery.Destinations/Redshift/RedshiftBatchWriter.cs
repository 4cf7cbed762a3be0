using Delivery.Destinations.Retrying;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Delivery.Destinations.Redshift;

/// <summary>
/// Loads a batch into Redshift (or PostgreSQL) through COPY staging. The batch is staged in the intermediate bucket
/// first; a staging failure throws, and the pipeline retries the batch. The load then runs in one transaction: with
/// <see cref="RedshiftDestinationOptions.KeyColumns"/>, COPY into a temporary staging table and insert only the rows
/// whose key is not yet in the table, so a batch loaded again after a retry or a restart adds nothing. A failed load is
/// retried with <see cref="RetryBackoff"/> until <see cref="RedshiftDestinationOptions.RetryDurationSeconds"/> runs out,
/// or at once given up when the database rejects the data or the statement (SQLSTATE classes 22, 23, 42, 0A). A load
/// given up leaves its manifest under the error prefix, and every record is returned as failed with <c>redshift-failed</c>.
/// </summary>
public sealed class RedshiftBatchWriter : IBatchWriter
{
    private static readonly string[] PermanentSqlStateClasses = ["22", "23", "42", "0A"];

    private readonly RedshiftDestinationOptions _options;
    private readonly RedshiftStager _stager;
    private readonly NpgsqlDataSource _database;
    private readonly ICopyLoader _loader;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RetryDurationPolicy _retry;
    private readonly string _where;

    /// <param name="options">The pipeline's settings; validated here too, so a bad one throws <see cref="OptionsValidationException"/>.</param>
    /// <param name="stager">Writes the staged object and manifest.</param>
    /// <param name="database">Connections to the warehouse; the writer does not dispose it.</param>
    /// <param name="loader">Issues the COPY: <see cref="RedshiftCopyLoader"/> or <see cref="PostgreSqlCopyLoader"/>.</param>
    /// <param name="logger">Load outcomes; shows host and database, never the connection string or the COPY text.</param>
    /// <param name="timeProvider">Load timeouts and retry waits; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="unitRandom">Jitter source in [0, 1), for tests.</param>
    public RedshiftBatchWriter(
        RedshiftDestinationOptions options,
        RedshiftStager stager,
        NpgsqlDataSource database,
        ICopyLoader loader,
        ILogger<RedshiftBatchWriter> logger,
        TimeProvider? timeProvider = null,
        Func<double>? unitRandom = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult validation = new RedshiftDestinationOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(RedshiftDestinationOptions), validation.Failures);
        }

        _options = options;
        _stager = stager ?? throw new ArgumentNullException(nameof(stager));
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _loader = loader ?? throw new ArgumentNullException(nameof(loader));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = timeProvider ?? TimeProvider.System;
        _retry = new RetryDurationPolicy(TimeSpan.FromSeconds(options.RetryDurationSeconds), _time, unitRandom);
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        _where = $"{connection.Host}:{connection.Port}/{connection.Database} {options.Table}";
    }

    public string DestinationType => "redshift";

    public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long started = _time.GetTimestamp();
        StagedBatch staged = await _stager.StageAsync(batch, cancellationToken).ConfigureAwait(false);
        RetriedOutcome result = await _retry.ExecuteAsync(
            static (state, token) => state.Writer.LoadOnceAsync(state.Batch, state.Staged, token), (Writer: this, Batch: batch, Staged: staged), cancellationToken).ConfigureAwait(false);
        if (result.Outcome.Succeeded)
        {
            Log.BatchLoaded(_logger, batch.Id, _where, batch.Records.Count, result.AttemptsMade, _time.GetElapsedTime(started).TotalMilliseconds);
            return BatchWriteResult.Delivered;
        }

        string errorManifest = await _stager.WriteErrorManifestAsync(batch, staged, cancellationToken).ConfigureAwait(false);
        Log.LoadGivenUp(_logger, batch.Id, _where, result.AttemptsMade, result.Outcome.Status, result.Outcome.ErrorCode, result.Outcome.ErrorMessage, $"s3://{staged.Bucket}/{errorManifest}");
        var failed = new FailedRecord[batch.Records.Count];
        for (int i = 0; i < failed.Length; i++)
        {
            failed[i] = new FailedRecord(i, result.Outcome.ErrorCode, result.Outcome.ErrorMessage, ErrorOutputTypes.RedshiftFailed, result.AttemptsMade);
        }

        return new BatchWriteResult(failed);
    }

    private async ValueTask<AttemptOutcome> LoadOnceAsync(DeliveryBatch batch, StagedBatch staged, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.CommandTimeoutSeconds), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        AttemptOutcome outcome;
        try
        {
            await LoadInTransactionAsync(batch, staged, linked.Token).ConfigureAwait(false);
            return AttemptOutcome.Success;
        }
        catch (PostgresException exception)
        {
            string message = $"SQLSTATE {exception.SqlState}: {exception.MessageText}";
            outcome = PermanentSqlStateClasses.Contains(exception.SqlState[..2], StringComparer.Ordinal)
                ? AttemptOutcome.Permanent(ErrorCode(exception.SqlState), message)
                : AttemptOutcome.Retryable(ErrorCode(exception.SqlState), message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = AttemptOutcome.Retryable("Redshift.Timeout", $"the load did not finish within {_options.CommandTimeoutSeconds} s.");
        }
        catch (DeliveryException exception)
        {
            // Reading a staged object back (PostgreSQL loader) failed.
            outcome = new AttemptOutcome(exception.Kind == FailureKind.Permanent ? AttemptStatus.Permanent : AttemptStatus.Retryable, exception.ErrorCode, exception.Message);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            outcome = AttemptOutcome.Retryable("Redshift.ConnectionFailed", exception.Message);
        }

        Log.LoadAttemptFailed(_logger, batch.Id, _where, outcome.Status, outcome.ErrorCode, outcome.ErrorMessage);
        return outcome;
    }

    private async Task LoadInTransactionAsync(DeliveryBatch batch, StagedBatch staged, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (_options.KeyColumns.Count == 0)
                {
                    await _loader.LoadAsync(connection, _options.Table, staged, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    string stage = CopyStatements.StagingTable(batch.Id);
                    await ExecuteAsync(connection, CopyStatements.CreateStagingTable(stage, _options.Table), cancellationToken).ConfigureAwait(false);
                    await _loader.LoadAsync(connection, stage, staged, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, CopyStatements.InsertNotPresent(_options.Table, stage, _options.Columns, _options.KeyColumns), cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, CopyStatements.DropTable(stage), cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = _options.CommandTimeoutSeconds };
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string ErrorCode(string sqlState) => sqlState switch
    {
        "42P01" => "Redshift.TableNotFound",
        "42703" => "Redshift.ColumnNotFound",
        "42501" => "Redshift.InsufficientPrivileges",
        _ when sqlState.StartsWith("28", StringComparison.Ordinal) => "Redshift.AuthenticationFailed",
        _ when sqlState.StartsWith("22", StringComparison.Ordinal) => "Redshift.DataLoadFailed",
        _ => "Redshift.SqlError",
    };
}
