using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Spillway.Aws.Signing;

namespace Spillway.S3.Internal;

/// <summary>
/// Decodes an <c>aws-chunked</c> body: chunks of <c>hex-size[;chunk-signature=sig]\r\n data \r\n</c>, a last chunk of
/// size 0, then optional trailer headers (a checksum, the trailer's signature) and an empty line. With a
/// <see cref="ChunkSigning"/> each chunk's signature (and the trailer's) is checked against the chain before the next
/// chunk is read, so a changed chunk fails the upload and nothing is stored.
/// </summary>
internal static class AwsChunked
{
    private const int MaxLineBytes = 8 * 1024;

    /// <summary>Writes the decoded content to <paramref name="output"/>; returns its length.</summary>
    public static async Task<long> DecodeAsync(Stream input, Stream output, ChunkSigning? signing, CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        try
        {
            while (true)
            {
                var header = await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false) ?? throw Incomplete();
                var (size, signature) = ParseHeader(header);
                var remaining = size;
                while (remaining > 0)
                {
                    var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    var buffer = result.Buffer;
                    if (buffer.IsEmpty && result.IsCompleted)
                    {
                        throw Incomplete();
                    }

                    var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
                    foreach (var segment in take)
                    {
                        sha.AppendData(segment.Span);
                        await output.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                    }

                    remaining -= take.Length;
                    reader.AdvanceTo(take.End);
                }

                total += size;
                if (signing is not null && (signature is null || !signing.VerifyChunk(sha.GetHashAndReset(), signature)))
                {
                    throw new S3Exception("SignatureDoesNotMatch", 403, "The chunk signature does not match the chunk.");
                }

                sha.GetHashAndReset();
                if (size == 0)
                {
                    break;
                }

                if (await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false) is not "")
                {
                    throw Incomplete();
                }
            }

            var trailer = new StringBuilder();
            string? trailerSignature = null;
            while (await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false) is { Length: > 0 } line)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw Incomplete();
                }

                var name = line[..colon].Trim().ToLowerInvariant();
                if (name == "x-amz-trailer-signature")
                {
                    trailerSignature = line[(colon + 1)..].Trim();
                }
                else
                {
                    trailer.Append(name).Append(':').Append(line[(colon + 1)..].Trim()).Append('\n');
                }
            }

            if (signing is not null && trailerSignature is not null && !signing.VerifyTrailer(trailer.ToString(), trailerSignature))
            {
                throw new S3Exception("SignatureDoesNotMatch", 403, "The trailer signature does not match the trailer.");
            }

            return total;
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static (long Size, string? Signature) ParseHeader(string header)
    {
        var semicolon = header.IndexOf(';', StringComparison.Ordinal);
        var sizeText = semicolon < 0 ? header : header[..semicolon];
        if (!long.TryParse(sizeText, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var size)
            || size < 0)
        {
            throw Incomplete();
        }

        string? signature = null;
        if (semicolon >= 0)
        {
            var extension = header[(semicolon + 1)..];
            const string Name = "chunk-signature=";
            signature = extension.StartsWith(Name, StringComparison.Ordinal) ? extension[Name.Length..] : throw Incomplete();
        }

        return (size, signature);
    }

    /// <summary>The next line without its CR LF; null at the end of the body.</summary>
    private static async ValueTask<string?> ReadLineAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var position = buffer.PositionOf((byte)'\n');
            if (position is { } end)
            {
                var line = Encoding.UTF8.GetString(buffer.Slice(0, end)).TrimEnd('\r');
                reader.AdvanceTo(buffer.GetPosition(1, end));
                return line;
            }

            if (result.IsCompleted)
            {
                var rest = buffer.Length == 0 ? null : Encoding.UTF8.GetString(buffer).TrimEnd('\r');
                reader.AdvanceTo(buffer.End);
                return rest;
            }

            if (buffer.Length > MaxLineBytes)
            {
                throw Incomplete();
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static S3Exception Incomplete() => new("IncompleteBody", 400, "The request body is not a well-formed aws-chunked body.");
}
