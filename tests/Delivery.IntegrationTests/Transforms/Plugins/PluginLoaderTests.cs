using System.Text;
using Delivery.Testing;
using Delivery.Transforms;
using Delivery.Transforms.Plugins;

namespace Delivery.IntegrationTests.Transforms.Plugins;

/// <summary>The test plugin, built by its own project and copied to plugins/test-plugin, loaded from disk as the worker loads it.</summary>
public sealed class PluginLoaderTests
{
    private static readonly string PluginDirectory = Path.Combine(AppContext.BaseDirectory, "plugins", "test-plugin");

    [Fact]
    public async Task ThePlugin_LoadsInItsOwnContext_SharingTheContractWithTheWorker_AndGetsItsSettings()
    {
        File.Exists(Path.Combine(PluginDirectory, "Delivery.Abstractions.dll")).ShouldBeTrue("the plugin ships its own copy of the contract, which must not be used");

        LoadedPlugin plugin = PluginLoader.Load(PluginDirectory, null, null, new Dictionary<string, string> { ["marker"] = "m1" });

        plugin.TypeName.ShouldBe("Delivery.TestPlugin.ActionTransform");
        plugin.Transform.GetType().Assembly.GetName().Name.ShouldBe("Delivery.TestPlugin");
        System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(plugin.Transform.GetType().Assembly)!.Name.ShouldBe("plugin:Delivery.TestPlugin");
        IReadOnlyList<TransformedRecord> results = await plugin.Transform.TransformAsync(new TransformInvocation
        {
            InvocationId = "i",
            DeliveryStreamArn = "arn",
            SourceKinesisStreamArn = "arn",
            Region = "us-east-1",
            Records = [new TransformRecord("0", "{\"action\":\"rewrite\"}"u8.ToArray(), DateTimeOffset.UnixEpoch, new KinesisRecordMetadata("s", "p", "1", 0, 0), new Dictionary<string, string>())],
        }, default);
        Encoding.UTF8.GetString(results.ShouldHaveSingleItem().Data.ShouldHaveSingleItem().Span).ShouldBe("{\"action\":\"rewrite\",\"plugin\":\"m1\"}");
    }

    [Fact]
    public void APluginWhoseConstructorThrows_FailsToLoad_WithItsReason()
    {
        PluginLoadException error = Should.Throw<PluginLoadException>(() => PluginLoader.Load(PluginDirectory, null, null, new Dictionary<string, string>()));

        error.Message.ShouldContain("Delivery.TestPlugin.ActionTransform");
        error.Message.ShouldContain("failed to start");
        error.Message.ShouldContain("The 'marker' setting is required.");
    }

    [Fact]
    public void ANameThatIsNotThere_IsRefused_ListingWhatIs()
    {
        Should.Throw<PluginLoadException>(() => PluginLoader.Load(PluginDirectory, null, "Delivery.TestPlugin.Nope", new Dictionary<string, string>()))
            .Message.ShouldContain("has no public class 'Delivery.TestPlugin.Nope' implementing IRecordTransform; it has: Delivery.TestPlugin.ActionTransform");
    }

    [Fact]
    public void ABrokenAssembly_FailsToLoad_NamingTheFile()
    {
        string directory = Directory.CreateTempSubdirectory("broken-plugin-").FullName;
        File.WriteAllText(Path.Combine(directory, "Broken.dll"), "this is not a .NET assembly");

        PluginLoadException error = Should.Throw<PluginLoadException>(() => PluginLoader.Load(directory, null, null, new Dictionary<string, string>()));

        error.Message.ShouldContain(Path.Combine(directory, "Broken.dll"));
        error.Message.ShouldContain("could not be loaded");
    }

    [Fact]
    public void AnAssemblyWithoutATransform_IsRefused()
    {
        string directory = Directory.CreateTempSubdirectory("not-a-plugin-").FullName;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Polly.Core.dll"), Path.Combine(directory, "Polly.Core.dll"));

        Should.Throw<PluginLoadException>(() => PluginLoader.Load(directory, null, null, new Dictionary<string, string>()))
            .Message.ShouldContain("has no public class implementing Delivery.Transforms.IRecordTransform");
    }

    [Fact]
    public void AnEmptyOrMissingDirectory_IsRefused()
    {
        Should.Throw<PluginLoadException>(() => PluginLoader.Load(Directory.CreateTempSubdirectory("empty-plugin-").FullName, null, null, new Dictionary<string, string>()))
            .Message.ShouldContain("holds no assembly");
        Should.Throw<PluginLoadException>(() => PluginLoader.Load("/no/such/plugin", null, null, new Dictionary<string, string>()))
            .Message.ShouldContain("does not exist");
    }
}
