using System.Reflection;
using Delivery.Kinesis.Client;
using Delivery.UnitTests.Aws;

namespace Delivery.UnitTests.Kinesis.Client;

/// <summary>
/// IKinesisClient stays a subset of AWSSDK.Kinesis's IAmazonKinesis, name for name, so that when the package restores,
/// an adapter over AmazonKinesisClient registered in place of KinesisClient is all it takes (docs say which members).
/// </summary>
public sealed class IKinesisClientShapeTests
{
    // Conveniences of ours the SDK does not have; each is computed from SDK members, so an adapter needs nothing for it.
    private static readonly string[] OursOnly = ["Shard.IsClosed"];

    [Fact]
    public void EveryMethodAndModelPropertyName_IsTheSdks()
    {
        HashSet<string> sdk = SdkShape.Listed("Kinesis/Client/IAmazonKinesis.members.txt");
        SortedSet<string> ours = SdkShape.Ours(typeof(IKinesisClient), "IAmazonKinesis", typeof(AmazonKinesisException));

        ours.Except(sdk).Except(OursOnly).ShouldBeEmpty("not in AWSSDK.Kinesis: rename to the SDK's name, or list it as ours only");
        ours.ShouldContain("GetRecordsResponse.ChildShards", "the reflection reaches the models inside the responses");
        ours.ShouldContain("ExpiredIteratorException");
    }

    [Fact]
    public void EveryMethod_TakesItsRequestAndAToken_AndReturnsItsResponse_AsTheSdksDo()
    {
        foreach (MethodInfo method in typeof(IKinesisClient).GetMethods())
        {
            string operation = method.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name[..^"Async".Length] : method.Name;
            method.GetParameters().Select(p => p.ParameterType.Name).ShouldBe([operation + "Request", nameof(CancellationToken)], method.Name);
            method.ReturnType.ShouldBe(typeof(Task<>).MakeGenericType(typeof(IKinesisClient).Assembly.GetType($"Delivery.Kinesis.Client.{operation}Response")!), method.Name);
        }
    }
}
