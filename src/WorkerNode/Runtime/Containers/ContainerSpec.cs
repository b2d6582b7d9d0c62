namespace Oakestra.Actors.WorkerNode.Runtime.Containers;

/// <summary>A container instance: the image (the SLA's <c>code</c>) and the command replacing its own (<c>cmd</c>).</summary>
/// <param name="Command">Null or empty: the image's entrypoint and command run.</param>
/// <param name="MemoryBytes">The SLA's <c>memory</c> as a limit (null: none).</param>
/// <param name="Cpus">The SLA's <c>vcpus</c> as a CPU quota (null: none).</param>
public sealed record ContainerSpec(string Image, IReadOnlyList<string>? Command = null, long? MemoryBytes = null, double? Cpus = null)
{
    /// <summary>The image as containerd names it (<see cref="ImageReference.Normalize"/>).</summary>
    public string ImageRef => ImageReference.Normalize(Image);
}
