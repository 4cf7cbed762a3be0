using Delivery.Transforms.Contract;
using Delivery.Transforms.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Transforms.Http;

public sealed class HttpTransformStageTests
{
    [Fact]
    public void ItsName_InLogsAndBackupRecords_HasNeitherTheUrlsUserInfoNorItsQuery()
    {
        using var stage = new HttpTransformStage(
            new Uri("http://transform:transformpass@localhost:9000/transform?token=transformquerysecret"), null, 1024, "0",
            new InvocationSettings { BufferSizeBytes = 1 << 20, NumberOfRetries = 0, Timeout = TimeSpan.FromSeconds(30) },
            null, TimeProvider.System, NullLogger<HttpTransformStage>.Instance);

        stage.Name.ShouldBe("http://localhost:9000/transform");
    }
}
