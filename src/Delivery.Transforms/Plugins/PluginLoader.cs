using System.Reflection;

namespace Delivery.Transforms.Plugins;

/// <summary>
/// Finds and creates an <see cref="IRecordTransform"/> from a plugin directory, at start: everything that can be wrong
/// with a plugin (no assembly, an assembly that does not load, no transform type or several, a constructor that throws)
/// surfaces here as a <see cref="PluginLoadException"/> naming the directory, the assembly and the type, never later in
/// the middle of a stream.
/// </summary>
public static class PluginLoader
{
    private static readonly string ContractFileName = typeof(IRecordTransform).Assembly.GetName().Name + ".dll";

    /// <summary>Loads the transform.</summary>
    /// <param name="directory">The plugin's directory: its build or publish output.</param>
    /// <param name="assemblyFile">The plugin's assembly file name; null to find the one assembly with a <c>.deps.json</c>.</param>
    /// <param name="typeName">The transform's full type name; null when the assembly has exactly one.</param>
    /// <param name="settings">Passed to a constructor that takes <see cref="IReadOnlyDictionary{TKey, TValue}"/>.</param>
    public static LoadedPlugin Load(string directory, string? assemblyFile, string? typeName, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(settings);
        string fullDirectory = Path.GetFullPath(directory);
        if (!Directory.Exists(fullDirectory))
        {
            throw new PluginLoadException($"The plugin directory '{fullDirectory}' does not exist.");
        }

        string assemblyPath = FindAssembly(fullDirectory, assemblyFile);
        Assembly assembly;
        try
        {
            assembly = new PluginLoadContext(assemblyPath).LoadFromAssemblyPath(assemblyPath);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or FileNotFoundException)
        {
            throw new PluginLoadException($"The plugin assembly '{assemblyPath}' could not be loaded: {ex.Message}", ex);
        }

        Type type = FindType(assembly, assemblyPath, typeName);
        return new LoadedPlugin(Create(type, assemblyPath, settings), type.FullName!, assemblyPath);
    }

    private static string FindAssembly(string directory, string? assemblyFile)
    {
        if (!string.IsNullOrEmpty(assemblyFile))
        {
            string path = Path.Combine(directory, assemblyFile);
            return File.Exists(path) ? path : throw new PluginLoadException($"The plugin assembly '{path}' does not exist.");
        }

        // A project's build output holds one <name>.deps.json, for the project's own assembly.
        string[] candidates = [.. Directory.GetFiles(directory, "*.deps.json")
            .Select(deps => Path.Combine(directory, Path.GetFileName(deps)[..^".deps.json".Length] + ".dll"))
            .Where(File.Exists)];
        if (candidates.Length == 0)
        {
            candidates = [.. Directory.GetFiles(directory, "*.dll").Where(dll => !Path.GetFileName(dll).Equals(ContractFileName, StringComparison.OrdinalIgnoreCase))];
        }

        return candidates.Length switch
        {
            1 => candidates[0],
            0 => throw new PluginLoadException($"The plugin directory '{directory}' holds no assembly (.dll)."),
            _ => throw new PluginLoadException(
                $"The plugin directory '{directory}' holds several assemblies ({string.Join(", ", candidates.Select(Path.GetFileName))}); name the plugin's with AssemblyFile."),
        };
    }

    private static Type FindType(Assembly assembly, string assemblyPath, string? typeName)
    {
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (Exception ex) when (ex is ReflectionTypeLoadException or FileNotFoundException or FileLoadException or TypeLoadException)
        {
            throw new PluginLoadException($"The types of plugin assembly '{assemblyPath}' could not be loaded (a dependency is missing from its directory?): {ex.Message}", ex);
        }

        Type[] transforms = [.. types.Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IRecordTransform).IsAssignableFrom(type))];
        if (typeName is not null)
        {
            return transforms.FirstOrDefault(type => type.FullName == typeName)
                ?? throw new PluginLoadException(
                    $"Plugin assembly '{assemblyPath}' has no public class '{typeName}' implementing {nameof(IRecordTransform)}; it has: {Describe(transforms)}.");
        }

        return transforms.Length switch
        {
            1 => transforms[0],
            0 => throw new PluginLoadException(
                $"Plugin assembly '{assemblyPath}' has no public class implementing {typeof(IRecordTransform).FullName} (built against another Delivery.Abstractions?)."),
            _ => throw new PluginLoadException($"Plugin assembly '{assemblyPath}' has several transforms ({Describe(transforms)}); name one with TypeName."),
        };
    }

    private static IRecordTransform Create(Type type, string assemblyPath, IReadOnlyDictionary<string, string> settings)
    {
        ConstructorInfo? withSettings = type.GetConstructor([typeof(IReadOnlyDictionary<string, string>)]);
        ConstructorInfo? parameterless = type.GetConstructor(Type.EmptyTypes);
        if (withSettings is null && parameterless is null)
        {
            throw new PluginLoadException(
                $"Plugin transform {type.FullName} in '{assemblyPath}' needs a public constructor taking nothing or IReadOnlyDictionary<string, string> settings.");
        }

        try
        {
            object instance = withSettings is not null ? withSettings.Invoke([settings]) : parameterless!.Invoke([]);
            return (IRecordTransform)instance;
        }
        catch (TargetInvocationException ex)
        {
            Exception cause = ex.InnerException ?? ex;
            throw new PluginLoadException($"Plugin transform {type.FullName} in '{assemblyPath}' failed to start: {cause.GetType().Name}: {cause.Message}", cause);
        }
    }

    private static string Describe(Type[] types) => types.Length == 0 ? "none" : string.Join(", ", types.Select(type => type.FullName));
}

/// <summary>A created plugin transform, and where it came from.</summary>
public sealed record LoadedPlugin(IRecordTransform Transform, string TypeName, string AssemblyPath);
