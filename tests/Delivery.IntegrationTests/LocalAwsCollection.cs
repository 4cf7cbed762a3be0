using Delivery.Testing;

namespace Delivery.IntegrationTests;

/// <summary>All integration tests share one local AWS stack; each test uses its own stream, table and bucket names.</summary>
[CollectionDefinition(Name)]
public sealed class LocalAwsCollection : ICollectionFixture<LocalAwsStack>
{
    public const string Name = "local-aws";
}
