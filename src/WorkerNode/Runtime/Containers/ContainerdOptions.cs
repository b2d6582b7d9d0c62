namespace Oakestra.Actors.WorkerNode.Runtime.Containers;

/// <summary>
/// Which containerd a worker runs container instances with (Oak:Node:Containerd:*). Containers are driven through
/// Debian's <c>ctr</c>, not containerd's gRPC API: ctr ships with the containerd package, already knows how to join
/// a named network namespace (<c>--with-ns</c>), forward signals and pipe the task's output, and it keeps the worker
/// free of a gRPC/protobuf client for one call per start and stop.
/// </summary>
/// <param name="Address">containerd's socket.</param>
/// <param name="Namespace">containerd namespace the instances' images and containers live in.</param>
public sealed record ContainerdOptions(string Address = ContainerdOptions.DefaultAddress, string Namespace = ContainerdOptions.DefaultNamespace)
{
    public const string DefaultAddress = "/run/containerd/containerd.sock";
    public const string DefaultNamespace = "oak";

    /// <summary>The ctr executable (PATH lookup by default).</summary>
    public string Ctr { get; init; } = "ctr";

    /// <summary><c>ctr --address A --namespace N</c>: the prefix of every call.</summary>
    public IReadOnlyList<string> CtrCommand => [Ctr, "--address", Address, "--namespace", Namespace];
}
