namespace Spillway.Objects.Local;

/// <summary>One ListObjectsV2 page over a sorted set of keys: prefix, delimiter roll-up, start after, max keys.</summary>
internal static class Listing
{
    public static ObjectListing Page(SortedSet<string> order, Dictionary<string, ObjectInfo> keys, ListRequest request)
    {
        var objects = new List<ObjectInfo>();
        var prefixes = new List<string>();
        if (request.MaxKeys == 0 || order.Count == 0)
        {
            return new ObjectListing(objects, prefixes, null);
        }

        var start = request.StartAfter is { } after && ObjectNames.KeyOrder.Compare(after, request.Prefix) > 0 ? after : request.Prefix;
        var view = ObjectNames.KeyOrder.Compare(start, order.Max!) > 0 ? [] : order.GetViewBetween(start, order.Max!);
        string? last = null;
        foreach (var key in view)
        {
            if (request.StartAfter is { } startAfter && ObjectNames.KeyOrder.Compare(key, startAfter) <= 0)
            {
                continue;
            }

            if (!key.StartsWith(request.Prefix, StringComparison.Ordinal))
            {
                break;
            }

            var entry = key;
            var rolled = false;
            if (!string.IsNullOrEmpty(request.Delimiter))
            {
                var at = key.IndexOf(request.Delimiter, request.Prefix.Length, StringComparison.Ordinal);
                if (at >= 0)
                {
                    entry = key[..(at + request.Delimiter.Length)];
                    rolled = true;
                    if (entry == last || (request.StartAfter is { } token && ObjectNames.KeyOrder.Compare(entry, token) <= 0
                        && token.StartsWith(entry, StringComparison.Ordinal)))
                    {
                        continue;
                    }
                }
            }

            if (objects.Count + prefixes.Count == request.MaxKeys)
            {
                return new ObjectListing(objects, prefixes, last);
            }

            if (rolled)
            {
                prefixes.Add(entry);
            }
            else
            {
                objects.Add(keys[key]);
            }

            last = entry;
        }

        return new ObjectListing(objects, prefixes, null);
    }
}
