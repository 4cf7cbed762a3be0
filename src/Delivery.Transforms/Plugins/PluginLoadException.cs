namespace Delivery.Transforms.Plugins;

/// <summary>A plugin could not be loaded or created; thrown at start, with what was wrong and where.</summary>
public sealed class PluginLoadException : Exception
{
    public PluginLoadException()
    {
    }

    public PluginLoadException(string message)
        : base(message)
    {
    }

    public PluginLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
