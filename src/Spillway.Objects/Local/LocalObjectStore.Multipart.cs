using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Spillway.Objects.Local;

/// <summary>
/// Multipart uploads: each upload a directory <c>&lt;bucket&gt;/.uploads/&lt;id&gt;</c> holding its properties and its parts,
/// each part written like an object (temporary file, fsync, rename). Completing copies the parts into one temporary
/// object file and publishes it like a put, then drops the upload's directory.
/// </summary>
public sealed partial class LocalObjectStore
{
    private const string UploadsDirectory = ".uploads";
    private const string UploadFile = "upload.json";
    private const long MinPartBytes = 5L * 1024 * 1024;
    private const int MaxPartNumber = 10_000;

    /// <inheritdoc />
    public Task<string> StartUploadAsync(string bucket, string key, ObjectProperties? properties = null, CancellationToken cancellationToken = default)
    {
        ObjectNames.CheckKey(key);
        var state = Find(bucket);
        properties ??= new ObjectProperties();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var directory = UploadPath(state.Name, id);
        device.CreateDirectory(directory);
        var temporary = Path.Combine(directory, ObjectFile.TemporaryPrefix + UploadFile);
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            using (var json = new Utf8JsonWriter(file))
            {
                json.WriteStartObject();
                json.WriteString("key", key);
                json.WriteString("contentType", properties.ContentType);
                json.WriteStartObject("metadata");
                foreach (var (name, value) in properties.UserMetadata)
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            file.Flush(flushToDisk: true);
        }

        device.Rename(temporary, Path.Combine(directory, UploadFile));
        return Task.FromResult(id);
    }

    /// <inheritdoc />
    public async Task<PartInfo> PutPartAsync(
        string bucket, string key, string uploadId, int partNumber, Func<Stream, CancellationToken, Task> write,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (partNumber is < 1 or > MaxPartNumber)
        {
            throw new ObjectStoreException(ObjectError.InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive.");
        }

        var state = Find(bucket);
        var directory = OpenUpload(state.Name, key, uploadId).Directory;
        var (temporary, info) = await ObjectFile.WriteTemporaryAsync(
            directory, write, (size, md5) => Describe(key, size, Convert.ToHexStringLower(md5), new ObjectProperties()), false, cancellationToken)
            .ConfigureAwait(false);
        device.Rename(temporary, Path.Combine(directory, PartName(partNumber)));
        return new PartInfo(partNumber, info.ETag, info.Size);
    }

    /// <inheritdoc />
    public async Task<ObjectInfo> CompleteUploadAsync(
        string bucket, string key, string uploadId, IReadOnlyList<PartReference> parts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var state = Find(bucket);
        var (directory, properties) = OpenUpload(state.Name, key, uploadId);
        if (parts.Count == 0)
        {
            throw new ObjectStoreException(ObjectError.InvalidArgument, "You must specify at least one part.");
        }

        for (var i = 1; i < parts.Count; i++)
        {
            if (parts[i].PartNumber <= parts[i - 1].PartNumber)
            {
                throw new ObjectStoreException(ObjectError.InvalidPartOrder, "The list of parts was not in ascending order. Parts must be ordered by part number.");
            }
        }

        var records = new List<(string Path, ObjectFile.Record Record)>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var path = Path.Combine(directory, PartName(parts[i].PartNumber));
            if (ObjectFile.TryReadRecord(path) is not { } record || record.Info.ETag != parts[i].ETag.Trim('"').ToLowerInvariant())
            {
                throw new ObjectStoreException(
                    ObjectError.InvalidPart,
                    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
            }

            if (i < parts.Count - 1 && record.ContentLength < MinPartBytes)
            {
                throw new ObjectStoreException(ObjectError.EntityTooSmall, "Your proposed upload is smaller than the minimum allowed object size.");
            }

            records.Add((path, record));
        }

        // S3's multipart ETag: the MD5 of the parts' binary MD5s, then the number of parts.
        using var md5s = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var (_, record) in records)
        {
            md5s.AppendData(Convert.FromHexString(record.Info.ETag));
        }

        var etag = Convert.ToHexStringLower(md5s.GetHashAndReset()) + "-" + records.Count.ToString(CultureInfo.InvariantCulture);
        var (temporary, joined) = await ObjectFile.WriteTemporaryAsync(
            BucketPath(state.Name),
            async (output, ct) =>
            {
                foreach (var (path, record) in records)
                {
                    var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
                    await using (file.ConfigureAwait(false))
                    {
                        await ObjectFile.Content(file, record).CopyToAsync(output, 1 << 20, ct).ConfigureAwait(false);
                    }
                }
            },
            (size, _) => Describe(key, size, etag, properties),
            false,
            cancellationToken).ConfigureAwait(false);
        var info = Publish(state, temporary, joined);
        device.DeleteDirectory(directory);
        return info;
    }

    /// <inheritdoc />
    public Task AbortUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default)
    {
        var state = Find(bucket);
        device.DeleteDirectory(OpenUpload(state.Name, key, uploadId).Directory);
        device.SyncDirectory(Path.Combine(BucketPath(state.Name), UploadsDirectory));
        return Task.CompletedTask;
    }

    private string UploadPath(string bucket, string uploadId) => Path.Combine(BucketPath(bucket), UploadsDirectory, uploadId);

    private static string PartName(int partNumber) => partNumber.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>The upload's directory and properties; NoSuchUpload when there is none for this key.</summary>
    private (string Directory, ObjectProperties Properties) OpenUpload(string bucket, string key, string uploadId)
    {
        var noSuchUpload = new ObjectStoreException(
            ObjectError.NoSuchUpload,
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");
        if (string.IsNullOrEmpty(uploadId) || !uploadId.All(char.IsAsciiHexDigitLower))
        {
            throw noSuchUpload;
        }

        var directory = UploadPath(bucket, uploadId);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path.Combine(directory, UploadFile));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw noSuchUpload;
        }

        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        if (root.GetProperty("key").GetString() != key)
        {
            throw noSuchUpload;
        }

        return (directory, new ObjectProperties
        {
            ContentType = root.GetProperty("contentType").GetString()!,
            UserMetadata = root.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal),
        });
    }
}
