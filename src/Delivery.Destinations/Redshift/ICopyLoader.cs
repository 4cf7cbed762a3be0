using Npgsql;

namespace Delivery.Destinations.Redshift;

/// <summary>
/// Moves a staged batch into a table inside the caller's open transaction. The writer owns the transaction, the staging
/// table and the retries; a loader only issues its COPY.
/// </summary>
public interface ICopyLoader
{
    /// <summary>Loads the objects named by <paramref name="staged"/>'s manifest into <paramref name="target"/>.</summary>
    Task LoadAsync(NpgsqlConnection connection, string target, StagedBatch staged, CancellationToken cancellationToken);
}
