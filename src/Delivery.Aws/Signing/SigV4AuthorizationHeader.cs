using System.Diagnostics.CodeAnalysis;

namespace Delivery.Aws.Signing;

/// <summary>
/// The parts of a SigV4 Authorization header:
/// <c>AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex</c>.
/// </summary>
internal sealed record SigV4AuthorizationHeader(string AccessKeyId, string Date, string Region, string Service, IReadOnlySet<string> SignedHeaders, string Signature)
{
    /// <summary>Parses the header, or says what is wrong with it in the words AWS uses.</summary>
    public static bool TryParse(string header, [NotNullWhen(true)] out SigV4AuthorizationHeader? parsed, [NotNullWhen(false)] out string? problem)
    {
        parsed = null;
        string value = header.Trim();
        if (!value.StartsWith(SigV4Signer.Algorithm + " ", StringComparison.Ordinal))
        {
            problem = $"Authorization header must start with '{SigV4Signer.Algorithm} ' (only Signature Version 4 is accepted).";
            return false;
        }

        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string part in value[SigV4Signer.Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problem = $"Authorization header part '{part}' is not of the form Name=Value.";
                return false;
            }

            parts[part[..equals]] = part[(equals + 1)..];
        }

        foreach (string required in (string[])["Credential", "SignedHeaders", "Signature"])
        {
            if (!parts.ContainsKey(required))
            {
                problem = $"Authorization header requires '{required}' parameter.";
                return false;
            }
        }

        string[] scope = parts["Credential"].Split('/');
        if (scope.Length != 5 || scope.Any(string.IsNullOrEmpty) || scope[1].Length != 8 || !scope[1].All(char.IsAsciiDigit) || scope[4] != "aws4_request")
        {
            problem = $"Credential '{parts["Credential"]}' must be <access key id>/<yyyyMMdd>/<region>/<service>/aws4_request.";
            return false;
        }

        string signature = parts["Signature"];
        if (signature.Length != 64 || !signature.All(char.IsAsciiHexDigit))
        {
            problem = "Signature must be 64 hexadecimal characters.";
            return false;
        }

        HashSet<string> signedHeaders = [.. parts["SignedHeaders"].Split(';', StringSplitOptions.RemoveEmptyEntries).Select(name => name.ToLowerInvariant())];
        parsed = new SigV4AuthorizationHeader(scope[0], scope[1], scope[2], scope[3], signedHeaders, signature);
        problem = null;
        return true;
    }
}
