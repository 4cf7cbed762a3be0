using System.Text;
using System.Text.RegularExpressions;

namespace Delivery.Destinations.Redshift;

/// <summary>How COPY gets to the staged objects of one batch.</summary>
/// <param name="Target">The table COPY fills: the destination table, or the staging table with key columns.</param>
/// <param name="ManifestUrl">The <c>s3://bucket/key</c> of the batch's manifest.</param>
/// <param name="Gzip">True when the staged objects are gzip.</param>
public readonly record struct CopySource(string Target, string ManifestUrl, bool Gzip);

/// <summary>How Redshift authenticates to S3 for COPY: an IAM role, or access keys (with a session token when temporary).</summary>
public sealed record CopyAuthorization(string? IamRoleArn, string? AccessKeyId = null, string? SecretAccessKey = null, string? SessionToken = null);

/// <summary>
/// The SQL text of a load, built from validated identifiers and quoted literals only. Identifiers are written unquoted
/// so the database folds them as it folds the user's own SQL; <see cref="IsIdentifier"/> admits only plain names, so no
/// configuration value can change a statement's shape.
/// </summary>
public static partial class CopyStatements
{
    /// <summary>Redshift: <c>COPY t [(cols)] FROM 's3://...manifest' &lt;auth&gt; MANIFEST [GZIP] [options]</c>.</summary>
    public static string RedshiftCopy(CopySource source, IReadOnlyList<string> columns, CopyAuthorization authorization, string copyOptions)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        var sql = new StringBuilder("COPY ").Append(source.Target);
        AppendColumns(sql, columns);
        sql.Append(" FROM ").Append(Literal(source.ManifestUrl));
        if (!string.IsNullOrEmpty(authorization.IamRoleArn))
        {
            sql.Append(" IAM_ROLE ").Append(Literal(authorization.IamRoleArn));
        }
        else
        {
            sql.Append(" ACCESS_KEY_ID ").Append(Literal(authorization.AccessKeyId ?? ""))
                .Append(" SECRET_ACCESS_KEY ").Append(Literal(authorization.SecretAccessKey ?? ""));
            if (!string.IsNullOrEmpty(authorization.SessionToken))
            {
                sql.Append(" SESSION_TOKEN ").Append(Literal(authorization.SessionToken));
            }
        }

        sql.Append(" MANIFEST");
        string options = copyOptions.Trim();
        if (source.Gzip && !GzipWord().IsMatch(options))
        {
            sql.Append(" GZIP");
        }

        return options.Length == 0 ? sql.ToString() : sql.Append(' ').Append(options).ToString();
    }

    /// <summary>PostgreSQL: <c>COPY t [(cols)] FROM STDIN [options]</c>; the worker streams the staged objects.</summary>
    public static string PostgreSqlCopyFromStdin(string target, IReadOnlyList<string> columns, string copyOptions)
    {
        var sql = new StringBuilder("COPY ").Append(target);
        AppendColumns(sql, columns);
        sql.Append(" FROM STDIN");
        string options = copyOptions.Trim();
        return options.Length == 0 ? sql.ToString() : sql.Append(' ').Append(options).ToString();
    }

    /// <summary>The staging table of one batch: temporary, so it never outlives the session, and named by the batch.</summary>
    public static string StagingTable(string batchId) => "delivery_stage_" + batchId;

    /// <summary><c>CREATE TEMP TABLE stage (LIKE table)</c>: the same columns and types as the destination.</summary>
    public static string CreateStagingTable(string stagingTable, string table) => $"CREATE TEMP TABLE {stagingTable} (LIKE {table})";

    /// <summary>
    /// Inserts the staged rows whose key is not already in the table:
    /// <c>INSERT INTO t [(cols)] SELECT s.* | s.cols FROM stage s WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.k = s.k AND ...)</c>.
    /// </summary>
    public static string InsertNotPresent(string table, string stagingTable, IReadOnlyList<string> columns, IReadOnlyList<string> keyColumns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(keyColumns);
        if (keyColumns.Count == 0)
        {
            throw new ArgumentException("At least one key column is needed to tell loaded rows apart.", nameof(keyColumns));
        }

        var sql = new StringBuilder("INSERT INTO ").Append(table);
        AppendColumns(sql, columns);
        sql.Append(" SELECT ").Append(columns.Count == 0 ? "s.*" : string.Join(", ", columns.Select(c => "s." + c)))
            .Append(" FROM ").Append(stagingTable).Append(" s WHERE NOT EXISTS (SELECT 1 FROM ").Append(table).Append(" t WHERE ")
            .Append(string.Join(" AND ", keyColumns.Select(k => $"t.{k} = s.{k}")))
            .Append(')');
        return sql.ToString();
    }

    public static string DropTable(string table) => "DROP TABLE " + table;

    /// <summary>
    /// A single-quoted SQL string literal with quotes doubled. Backslashes are refused: Redshift reads them as escapes and
    /// PostgreSQL does not, so no spelling means the same to both (and no URL, ARN or key Delivery writes needs one).
    /// </summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException("A COPY literal cannot contain a backslash.", nameof(value));
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>True for a plain identifier (letter or '_', then letters, digits, '_' or '$'; at most 127 characters).</summary>
    public static bool IsIdentifier(string name) => Identifier().IsMatch(name);

    /// <summary>True for <c>name</c> or <c>schema.name</c>, each part a plain identifier.</summary>
    public static bool IsTableName(string name) => name.Split('.') is { Length: 1 or 2 } parts && parts.All(IsIdentifier);

    private static void AppendColumns(StringBuilder sql, IReadOnlyList<string> columns)
    {
        if (columns.Count > 0)
        {
            sql.Append(" (").Append(string.Join(", ", columns)).Append(')');
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_$]{0,126}$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(?i)\bGZIP\b")]
    private static partial Regex GzipWord();
}
