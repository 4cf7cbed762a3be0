using Delivery.Destinations.Redshift;

namespace Delivery.UnitTests.Destinations.Redshift;

public sealed class CopyStatementsTests
{
    private const string Manifest = "s3://staging-bucket/redshift/manifests/2026/03/04/03/clicks-1-2026-03-04-03-06-07-abc.manifest";
    private static readonly CopyAuthorization Role = new("arn:aws:iam::123456789012:role/redshift-copy");

    [Fact]
    public void RedshiftCopy_WithRoleAndNoOptions_IsTheMinimalManifestCopy()
    {
        CopyStatements.RedshiftCopy(new CopySource("analytics.events", Manifest, Gzip: false), [], Role, "")
            .ShouldBe($"COPY analytics.events FROM '{Manifest}' IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-copy' MANIFEST");
    }

    [Fact]
    public void RedshiftCopy_WithColumnsGzipAndOptions_ListsColumnsAndAddsGzipBeforeTheOptions()
    {
        CopyStatements.RedshiftCopy(new CopySource("events", Manifest, Gzip: true), ["id", "name", "amount"], Role, "FORMAT AS JSON 'auto' TIMEFORMAT 'auto'")
            .ShouldBe($"COPY events (id, name, amount) FROM '{Manifest}' IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-copy' MANIFEST GZIP FORMAT AS JSON 'auto' TIMEFORMAT 'auto'");
    }

    [Theory]
    [InlineData("GZIP JSON 'auto'")]
    [InlineData("json 'auto' gzip")]
    public void RedshiftCopy_DoesNotRepeatGzip_WhenTheOptionsAlreadySayIt(string options)
    {
        CopyStatements.RedshiftCopy(new CopySource("events", Manifest, Gzip: true), [], Role, options)
            .ShouldBe($"COPY events FROM '{Manifest}' IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-copy' MANIFEST {options}");
    }

    [Fact]
    public void RedshiftCopy_WithTemporaryKeys_IncludesTheSessionToken()
    {
        var keys = new CopyAuthorization(null, "AKIDEXAMPLE", "wJalr/K7MDENG+bPxRfiCY", "FwoGZXIvYXdzE'x");

        CopyStatements.RedshiftCopy(new CopySource("events", Manifest, Gzip: false), [], keys, "CSV")
            .ShouldBe($"COPY events FROM '{Manifest}' ACCESS_KEY_ID 'AKIDEXAMPLE' SECRET_ACCESS_KEY 'wJalr/K7MDENG+bPxRfiCY' SESSION_TOKEN 'FwoGZXIvYXdzE''x' MANIFEST CSV");
    }

    [Fact]
    public void RedshiftCopy_WithPermanentKeys_HasNoSessionToken()
    {
        var keys = new CopyAuthorization(null, "AKIDEXAMPLE", "secret");

        CopyStatements.RedshiftCopy(new CopySource("events", Manifest, Gzip: false), [], keys, "  ")
            .ShouldBe($"COPY events FROM '{Manifest}' ACCESS_KEY_ID 'AKIDEXAMPLE' SECRET_ACCESS_KEY 'secret' MANIFEST");
    }

    [Theory]
    [InlineData("", "COPY delivery_stage_x FROM STDIN")]
    [InlineData("WITH (FORMAT csv)", "COPY delivery_stage_x FROM STDIN WITH (FORMAT csv)")]
    public void PostgreSqlCopyFromStdin_WithoutColumns(string options, string expected)
    {
        CopyStatements.PostgreSqlCopyFromStdin("delivery_stage_x", [], options).ShouldBe(expected);
    }

    [Fact]
    public void PostgreSqlCopyFromStdin_WithColumns()
    {
        CopyStatements.PostgreSqlCopyFromStdin("public.events", ["id", "payload"], "CSV").ShouldBe("COPY public.events (id, payload) FROM STDIN CSV");
    }

    [Fact]
    public void StagingStatements_CreateLoadAndDropATemporaryTableNamedByTheBatch()
    {
        string stage = CopyStatements.StagingTable("0123456789abcdef0123456789abcdef");

        stage.ShouldBe("delivery_stage_0123456789abcdef0123456789abcdef");
        CopyStatements.CreateStagingTable(stage, "analytics.events").ShouldBe($"CREATE TEMP TABLE {stage} (LIKE analytics.events)");
        CopyStatements.DropTable(stage).ShouldBe($"DROP TABLE {stage}");
    }

    [Fact]
    public void InsertNotPresent_WithColumnsAndOneKey()
    {
        CopyStatements.InsertNotPresent("events", "stage", ["id", "name"], ["id"])
            .ShouldBe("INSERT INTO events (id, name) SELECT s.id, s.name FROM stage s WHERE NOT EXISTS (SELECT 1 FROM events t WHERE t.id = s.id)");
    }

    [Fact]
    public void InsertNotPresent_WithAllColumnsAndACompositeKey()
    {
        CopyStatements.InsertNotPresent("a.events", "stage", [], ["tenant", "event_id"])
            .ShouldBe("INSERT INTO a.events SELECT s.* FROM stage s WHERE NOT EXISTS (SELECT 1 FROM a.events t WHERE t.tenant = s.tenant AND t.event_id = s.event_id)");
    }

    [Fact]
    public void InsertNotPresent_WithoutKey_IsRefused()
    {
        Should.Throw<ArgumentException>(() => CopyStatements.InsertNotPresent("events", "stage", [], []));
    }

    [Theory]
    [InlineData("it's", "'it''s'")]
    [InlineData("", "''")]
    public void Literal_DoublesQuotes(string value, string expected) => CopyStatements.Literal(value).ShouldBe(expected);

    [Fact]
    public void Literal_RefusesBackslashes_WhichRedshiftAndPostgreSqlReadDifferently()
    {
        Should.Throw<ArgumentException>(() => CopyStatements.Literal("a\\b"));
    }

    [Theory]
    [InlineData("events", true)]
    [InlineData("analytics.events", true)]
    [InlineData("_x$1", true)]
    [InlineData("events; DROP TABLE x", false)]
    [InlineData("\"Events\"", false)]
    [InlineData("a.b.c", false)]
    [InlineData("1events", false)]
    [InlineData("", false)]
    public void IsTableName_AdmitsPlainIdentifiersOnly(string name, bool expected) => CopyStatements.IsTableName(name).ShouldBe(expected);
}
