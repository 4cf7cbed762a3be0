using System.Reflection;
using Delivery.Transforms.Lambda;
using Delivery.UnitTests.Aws;

namespace Delivery.UnitTests.Transforms.Lambda;

/// <summary>
/// ILambdaInvoker stays a subset of AWSSDK.Lambda's IAmazonLambda, name for name, so that an adapter over
/// AmazonLambdaClient can be registered in place of LambdaInvokeClient when the package restores.
/// </summary>
public sealed class ILambdaInvokerShapeTests
{
    [Fact]
    public void EveryMethodAndModelPropertyName_IsTheSdks()
    {
        HashSet<string> sdk = SdkShape.Listed("Transforms/Lambda/IAmazonLambda.members.txt");
        SortedSet<string> ours = SdkShape.Ours(typeof(ILambdaInvoker), "IAmazonLambda", typeof(AmazonLambdaException));

        ours.Except(sdk).ShouldBeEmpty("not in AWSSDK.Lambda: rename to the SDK's name");
        ours.ShouldBe(["AmazonLambdaException", "IAmazonLambda.InvokeAsync", "InvokeRequest.FunctionName", "InvokeRequest.InvocationType",
            "InvokeRequest.Payload", "InvokeRequest.Qualifier", "InvokeResponse.ExecutedVersion", "InvokeResponse.FunctionError",
            "InvokeResponse.Payload", "InvokeResponse.StatusCode"]);
    }

    [Fact]
    public void InvokeAsync_TakesTheRequestAndAToken_AndReturnsTheResponse_AsTheSdksDoes()
    {
        MethodInfo invoke = typeof(ILambdaInvoker).GetMethods().ShouldHaveSingleItem();

        invoke.Name.ShouldBe("InvokeAsync");
        invoke.GetParameters().Select(p => p.ParameterType).ShouldBe([typeof(InvokeRequest), typeof(CancellationToken)]);
        invoke.ReturnType.ShouldBe(typeof(Task<InvokeResponse>));
    }
}
