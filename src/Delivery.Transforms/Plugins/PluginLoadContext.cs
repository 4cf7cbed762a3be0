using System.Reflection;
using System.Runtime.Loader;

namespace Delivery.Transforms.Plugins;

/// <summary>
/// An isolated load context for one plugin directory. The plugin's own dependencies resolve from its <c>.deps.json</c>
/// and directory, so two plugins can use different versions of a library, and neither can disturb the worker's. The
/// contract assembly (<c>Delivery.Abstractions</c>) always comes from the worker: a copy shipped with the plugin would be
/// a different assembly to the runtime, and the plugin's <see cref="IRecordTransform"/> would not be the worker's.
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private static readonly string ContractAssemblyName = typeof(IRecordTransform).Assembly.GetName().Name!;

    private readonly AssemblyDependencyResolver _resolver;

    public PluginLoadContext(string mainAssemblyPath)
        : base(name: "plugin:" + Path.GetFileNameWithoutExtension(mainAssemblyPath), isCollectible: false)
    {
        _resolver = new AssemblyDependencyResolver(mainAssemblyPath);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (string.Equals(assemblyName.Name, ContractAssemblyName, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Null defers to the worker's context: the shared framework and anything the plugin does not bring itself.
        string? path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
