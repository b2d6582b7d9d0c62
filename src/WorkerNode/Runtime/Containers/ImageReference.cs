namespace Oakestra.Actors.WorkerNode.Runtime.Containers;

/// <summary>
/// Docker's short image names made explicit, as containerd wants them and as <c>ctr images import</c> stores a
/// docker archive's tags: <c>nginx</c> → <c>docker.io/library/nginx:latest</c>, <c>me/app:1</c> →
/// <c>docker.io/me/app:1</c>; a reference with a registry (a first part holding '.' or ':', or <c>localhost</c>) keeps it.
/// </summary>
public static class ImageReference
{
    public static string Normalize(string image)
    {
        var reference = image.Trim();
        if (reference.Length == 0) throw new ArgumentException("empty image reference", nameof(image));
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : reference[..slash];
        var hasRegistry = slash > 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        if (!hasRegistry) reference = (slash < 0 ? "docker.io/library/" : "docker.io/") + reference;
        var lastPart = reference[(reference.LastIndexOf('/') + 1)..];
        if (!lastPart.Contains(':', StringComparison.Ordinal) && !lastPart.Contains('@', StringComparison.Ordinal)) reference += ":latest";
        return reference;
    }
}
