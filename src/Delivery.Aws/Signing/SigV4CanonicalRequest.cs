namespace Delivery.Aws.Signing;

/// <summary>The canonical form of a request (step 1 of Signature Version 4) and the header names it signs.</summary>
/// <param name="Text">The canonical request: method, path, query, headers, signed headers and payload hash, one per line.</param>
/// <param name="SignedHeaders">Lowercase header names, sorted and joined with <c>;</c>, as they appear in the Authorization header.</param>
public sealed record SigV4CanonicalRequest(string Text, string SignedHeaders);
