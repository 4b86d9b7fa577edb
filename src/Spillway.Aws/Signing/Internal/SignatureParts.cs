using System.Globalization;

namespace Spillway.Aws.Signing.Internal;

/// <summary>The pieces of a Signature V4, read from the Authorization header or from the query string.</summary>
internal sealed class SignatureParts
{
    private const int MaxExpiresSeconds = 7 * 24 * 3600;

    public string AccessKeyId { get; private init; } = string.Empty;

    public string ScopeDate { get; private init; } = string.Empty;

    public string Region { get; private init; } = string.Empty;

    public string Service { get; private init; } = string.Empty;

    public string Terminator { get; private init; } = string.Empty;

    public IReadOnlyList<string> SignedHeaders { get; private init; } = [];

    public string Signature { get; private init; } = string.Empty;

    /// <summary>X-Amz-Date of the query-string form; the header form reads its date from the headers.</summary>
    public string? Date { get; private init; }

    /// <summary>X-Amz-Expires of the query-string form.</summary>
    public int? ExpiresSeconds { get; private init; }

    /// <summary>Why the signature is incomplete, as the message of an IncompleteSignature error; null when complete.</summary>
    public string? Problem { get; private init; }

    public static SignatureParts FromHeader(string authorization)
    {
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        var algorithm = space < 0 ? authorization : authorization[..space];
        if (algorithm != SignatureV4Verifier.Algorithm)
        {
            return new SignatureParts { Problem = $"Unsupported AWS 'algorithm': '{algorithm}'" };
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var split = StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries;
        foreach (var field in authorization[(space + 1)..].Split(',', split))
        {
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                fields[field[..equals].Trim()] = field[(equals + 1)..].Trim();
            }
        }

        var missing = new[] { "Credential", "Signature", "SignedHeaders" }
            .Where(name => !fields.TryGetValue(name, out var value) || value.Length == 0)
            .Select(name => $"Authorization header requires '{name}' parameter.")
            .ToList();
        return missing.Count > 0
            ? new SignatureParts { Problem = string.Join(' ', missing) }
            : Build(fields["Credential"], fields["SignedHeaders"], fields["Signature"], date: null, expires: null, "Authorization header");
    }

    public static SignatureParts FromQuery(IReadOnlyList<KeyValuePair<string, string>> query)
    {
        string? Get(string name) => query.FirstOrDefault(p => p.Key.Equals(name, StringComparison.Ordinal)).Value;

        if (Get("X-Amz-Algorithm") != SignatureV4Verifier.Algorithm)
        {
            return new SignatureParts { Problem = $"X-Amz-Algorithm only supports \"{SignatureV4Verifier.Algorithm}\"" };
        }

        var missing = new[] { "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date" }
            .Where(name => string.IsNullOrEmpty(Get(name)))
            .Select(name => $"AWS query-string parameters must include '{name}'.")
            .ToList();
        if (missing.Count > 0)
        {
            return new SignatureParts { Problem = string.Join(' ', missing) + " Re-examine the query-string parameters." };
        }

        int? expires = null;
        if (Get("X-Amz-Expires") is { } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxExpiresSeconds)
            {
                return new SignatureParts
                {
                    Problem = $"X-Amz-Expires must be a whole number of seconds from 0 to {MaxExpiresSeconds} (7 days).",
                };
            }

            expires = seconds;
        }

        return Build(
            Get("X-Amz-Credential")!, Get("X-Amz-SignedHeaders")!, Get("X-Amz-Signature")!, Get("X-Amz-Date"), expires, "X-Amz-Credential");
    }

    private static SignatureParts Build(string credential, string signedHeaders, string signature, string? date, int? expires, string where)
    {
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope.Any(part => part.Length == 0))
        {
            return new SignatureParts
            {
                Problem = $"{where}: Credential must have the form <access key id>/<date>/<region>/<service>/aws4_request.",
            };
        }

        if (!signature.All(char.IsAsciiHexDigit) || signature.Length != 64)
        {
            return new SignatureParts { Problem = $"{where}: Signature must be 64 hexadecimal characters." };
        }

        return new SignatureParts
        {
            AccessKeyId = scope[0],
            ScopeDate = scope[1],
            Region = scope[2],
            Service = scope[3],
            Terminator = scope[4],
            SignedHeaders = signedHeaders.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(h => h.Trim().ToLowerInvariant())
                .ToArray(),
            Signature = signature,
            Date = date,
            ExpiresSeconds = expires,
        };
    }
}
