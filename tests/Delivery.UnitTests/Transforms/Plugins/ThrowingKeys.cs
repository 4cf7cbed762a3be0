using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Delivery.UnitTests.Transforms.Plugins;

/// <summary>Partition keys as a careless plugin might return them: reading them throws.</summary>
internal sealed class ThrowingKeys : IReadOnlyDictionary<string, string>
{
    public int Count => 1;

    public IEnumerable<string> Keys => throw Broken();

    public IEnumerable<string> Values => throw Broken();

    public string this[string key] => throw Broken();

    public bool ContainsKey(string key) => throw Broken();

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => throw Broken();

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => throw Broken();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static InvalidOperationException Broken() => new("the keys are broken");
}
