using System.Reflection;

namespace Delivery.UnitTests.Aws;

/// <summary>
/// Our stand-in for an AWS SDK client, read the way the SDK's public API is listed in a <c>*.members.txt</c> file:
/// <c>IAmazonX.MethodAsync</c> for the interface's methods, <c>Type.Property</c> for every request and response class
/// reachable from them (and the classes those hold), and the bare names of the exceptions.
/// </summary>
internal static class SdkShape
{
    /// <summary>The names of the SDK's members in a committed list (comments and blank lines left out).</summary>
    public static HashSet<string> Listed(string file) =>
        [.. File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, file)).Where(line => line.Length > 0 && !line.StartsWith('#'))];

    /// <summary>Our interface and the model it reaches, named as the SDK names them.</summary>
    public static SortedSet<string> Ours(Type seam, string sdkInterface, Type baseException)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var models = new HashSet<Type>();
        foreach (MethodInfo method in seam.GetMethods())
        {
            names.Add($"{sdkInterface}.{method.Name}");
            foreach (Type type in method.GetParameters().Select(p => p.ParameterType).Append(method.ReturnType))
            {
                Collect(type, seam.Assembly, models);
            }
        }

        foreach (Type model in models)
        {
            PropertyInfo[] properties = model.GetProperties(BindingFlags.Public | BindingFlags.Instance);
            if (properties.Length == 0)
            {
                names.Add(model.Name);
            }

            foreach (PropertyInfo property in properties)
            {
                names.Add($"{model.Name}.{property.Name}");
            }
        }

        foreach (Type exception in seam.Assembly.GetExportedTypes().Where(t => t == baseException || t.IsSubclassOf(baseException)))
        {
            names.Add(exception.Name);
        }

        return names;
    }

    // Our own model classes, however deep in Task<>, List<> or another model class they sit.
    private static void Collect(Type type, Assembly ours, HashSet<Type> models)
    {
        if (type.IsGenericType)
        {
            foreach (Type argument in type.GetGenericArguments())
            {
                Collect(argument, ours, models);
            }

            return;
        }

        if (type.Assembly != ours || !type.IsClass || !models.Add(type))
        {
            return;
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Collect(property.PropertyType, ours, models);
        }
    }
}
