using System.ComponentModel.DataAnnotations;

namespace Delivery.Transforms.Lambda;

/// <summary>Where <see cref="LambdaInvokeClient"/> sends and how it signs.</summary>
public sealed class LambdaClientOptions
{
    /// <summary>The region requests are signed for and, without <see cref="ServiceUrl"/>, sent to. Default <c>us-east-1</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Endpoint override (LocalStack, a local server). Default null: <c>https://lambda.{Region}.amazonaws.com</c>.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>The largest response read; Lambda's synchronous responses are at most 6 MB. Default 6 MiB plus 64 KiB of slack.</summary>
    [Range(1024, 1L << 30)]
    public long MaxResponseBytes { get; set; } = (6L * 1024 * 1024) + (64 * 1024);

    public Uri ResolveEndpoint() =>
        ServiceUrl ?? new Uri(Region.StartsWith("cn-", StringComparison.Ordinal)
            ? $"https://lambda.{Region}.amazonaws.com.cn"
            : $"https://lambda.{Region}.amazonaws.com");
}
