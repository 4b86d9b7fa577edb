using System.Text;
using Spillway.Storage;

namespace Spillway.Hosting.Aggregations;

/// <summary>
/// The aggregations declared at run time (<c>POST /v1/aggregations</c>), one file of their JSON each in
/// <c>&lt;data&gt;/aggregations/</c>, written atomically, so they run again after a restart.
/// </summary>
internal sealed class AggregationCatalog(string directory)
{
    private const string Extension = ".json";

    public IEnumerable<string> ReadAll()
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*" + Extension).Order(StringComparer.Ordinal))
        {
            yield return File.ReadAllText(file, Encoding.UTF8);
        }
    }

    public void Save(string name, string json)
    {
        FileStorageDevice.Instance.CreateDirectory(directory);
        FileStorageDevice.Instance.WriteAtomically(PathOf(name), Encoding.UTF8.GetBytes(json));
    }

    public void Delete(string name)
    {
        if (File.Exists(PathOf(name)))
        {
            FileStorageDevice.Instance.DeleteFile(PathOf(name));
        }
    }

    private string PathOf(string name) => Path.Combine(directory, name + Extension);
}
