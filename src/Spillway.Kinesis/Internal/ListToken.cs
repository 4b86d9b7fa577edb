using System.Globalization;
using System.Text;
using Spillway.Aws;

namespace Spillway.Kinesis.Internal;

/// <summary>
/// The NextToken of ListStreams and ListShards: what was listed (the stream and filter of a shard listing), where the page
/// ended and when the token was issued. As in Kinesis it lasts 300 seconds (ExpiredNextTokenException after).
/// </summary>
internal static class ListToken
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(300);

    public static string Issue(string kind, string after, TimeProvider time, string scope = "", string filter = "") =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('\n',
            kind, scope, after, filter, time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))));

    public static (string Scope, string After, string Filter) Read(string token, string kind, TimeProvider time)
    {
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('\n');
        }
        catch (FormatException)
        {
            throw KinesisErrors.Invalid("Invalid NextToken.");
        }

        if (parts.Length != 5 || parts[0] != kind || !long.TryParse(parts[4], CultureInfo.InvariantCulture, out var issued))
        {
            throw KinesisErrors.Invalid("Invalid NextToken.");
        }

        if (time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(issued) > Lifetime)
        {
            throw new AwsException(KinesisErrors.ExpiredNextToken, "The NextToken has expired; list again from the start.");
        }

        return (parts[1], parts[2], parts[3]);
    }
}
