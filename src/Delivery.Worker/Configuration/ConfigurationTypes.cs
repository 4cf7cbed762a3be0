namespace Delivery.Worker.Configuration;

/// <summary>Which option types hold one value (a leaf of the configuration tree) rather than nested settings.</summary>
internal static class ConfigurationTypes
{
    public static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTimeOffset)
        || type == typeof(DateTime) || type == typeof(TimeSpan) || type == typeof(Uri) || type == typeof(Guid);
}
