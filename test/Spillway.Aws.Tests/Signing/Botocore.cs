using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spillway.Aws.Signing;

namespace Spillway.Aws.Tests.Signing;

/// <summary>What to ask botocore to sign.</summary>
internal sealed record SignSpec
{
    public string Method { get; init; } = "POST";

    public string Url { get; init; } = "http://127.0.0.1:9324/";

    public Dictionary<string, string> Headers { get; init; } =
        new() { ["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8" };

    public string Body { get; init; } = "Action=ListQueues&Version=2012-11-05";

    public string AccessKeyId { get; init; } = Botocore.AccessKeyId;

    public string Secret { get; init; } = Botocore.Secret;

    public string Region { get; init; } = "us-east-1";

    public DateTimeOffset Time { get; init; } = Botocore.SignedAt;

    public bool Presign { get; init; }

    public int Expires { get; init; } = 300;
}

/// <summary>Runs botocore's SigV4 signers (scripts/sign.py under Debian's python3) and turns the result into requests.</summary>
internal static class Botocore
{
    public const string AccessKeyId = "AKIASPILLWAYTEST0001";
    public const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public static readonly DateTimeOffset SignedAt = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);

    private const string Python = "/usr/bin/python3";

    public static SignedRequest Sign(SignSpec spec) => SignAll(spec)[0];

    public static SignedRequest[] SignAll(params SignSpec[] specs)
    {
        var input = new JsonArray(specs.Select(s => (JsonNode)new JsonObject
        {
            ["method"] = s.Method,
            ["url"] = s.Url,
            ["headers"] = new JsonObject(s.Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))),
            ["body"] = s.Body,
            ["accessKeyId"] = s.AccessKeyId,
            ["secret"] = s.Secret,
            ["region"] = s.Region,
            ["time"] = s.Time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["presign"] = s.Presign,
            ["expires"] = s.Expires,
        }).ToArray());
        var output = Run(input.ToJsonString());
        return JsonNode.Parse(output)!.AsArray().Select(ToRequest).ToArray();
    }

    private static SignedRequest ToRequest(JsonNode? node)
    {
        var url = (string)node!["url"]!;
        var afterScheme = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var slash = url.IndexOf('/', afterScheme);
        var authority = url[afterScheme..slash];
        var target = url[slash..];
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var headers = node["headers"]!.AsObject().Select(h => KeyValuePair.Create(h.Key, (string)h.Value!)).ToList();

        // The HTTP client adds Host on the wire; botocore signed it from the URL.
        headers.Add(KeyValuePair.Create("Host", authority));
        return new SignedRequest
        {
            Method = (string)node["method"]!,
            RawPath = question < 0 ? target : target[..question],
            RawQuery = question < 0 ? string.Empty : target[(question + 1)..],
            Headers = headers,
            Body = Encoding.UTF8.GetBytes((string)node["body"]!),
        };
    }

    private static string Run(string input)
    {
        Assert.True(
            File.Exists(Python) && Process.Start(new ProcessStartInfo(Python, ["-c", "import botocore"]))!.WaitForExit(30_000),
            "Debian's python3 is missing: run ./test.sh, which installs python3-boto3");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "scripts", "sign.py"));
        using var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "botocore signer did not finish");
        Assert.True(process.ExitCode == 0, "botocore signer failed (run ./test.sh, which installs python3-boto3):\n" + stderr);
        return stdout.Result;
    }

    public static SignedRequest With(
        this SignedRequest request, string? body = null, string? rawQuery = null, string? rawPath = null,
        (string Name, string Value)? header = null, string? removeHeader = null)
    {
        var headers = request.Headers.Where(h => removeHeader is null || !h.Key.Equals(removeHeader, StringComparison.OrdinalIgnoreCase));
        if (header is { } replaced)
        {
            headers = headers.Where(h => !h.Key.Equals(replaced.Name, StringComparison.OrdinalIgnoreCase))
                .Append(KeyValuePair.Create(replaced.Name, replaced.Value));
        }

        return new SignedRequest
        {
            Method = request.Method,
            RawPath = rawPath ?? request.RawPath,
            RawQuery = rawQuery ?? request.RawQuery,
            Headers = headers.ToList(),
            Body = body is null ? request.Body : Encoding.UTF8.GetBytes(body),
        };
    }
}
