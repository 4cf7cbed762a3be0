using Delivery.Destinations.Redshift;

namespace Delivery.UnitTests.Destinations.Redshift;

public sealed class RedshiftStagerTests
{
    [Fact]
    public void Manifest_ListsEachObjectAsMandatory_AndParsesBack()
    {
        string manifest = RedshiftStager.Manifest("s3://bucket-a/k/1.gz", "s3://bucket-b/other key");

        manifest.ShouldBe("{\"entries\":[{\"url\":\"s3://bucket-a/k/1.gz\",\"mandatory\":true},{\"url\":\"s3://bucket-b/other key\",\"mandatory\":true}]}");
        RedshiftStager.ParseManifest(manifest).ShouldBe([("bucket-a", "k/1.gz"), ("bucket-b", "other key")]);
    }

    [Fact]
    public void ParseManifest_RefusesAnEntryThatIsNotAnS3Url()
    {
        Should.Throw<FormatException>(() => RedshiftStager.ParseManifest("{\"entries\":[{\"url\":\"https://x/y\",\"mandatory\":true}]}"))
            .Message.ShouldContain("https://x/y");
    }
}
