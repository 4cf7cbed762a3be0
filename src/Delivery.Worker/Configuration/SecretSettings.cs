namespace Delivery.Worker.Configuration;

/// <summary>Which settings hold secrets: their values never reach an error message, a log line or <c>describe</c>.</summary>
internal static class SecretSettings
{
    public static bool IsSecret(string name) =>
        name.Contains("Secret", StringComparison.OrdinalIgnoreCase) || name.Contains("Password", StringComparison.OrdinalIgnoreCase)
        || name.Contains("AccessKey", StringComparison.OrdinalIgnoreCase) || name.Contains("Token", StringComparison.OrdinalIgnoreCase)
        || name.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase);
}
