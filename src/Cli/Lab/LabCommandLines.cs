namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// The exact command lines the lab runs (inside each node's namespace), with the keys of docs/CONFIG.md.
/// Kept in one place so the other processes can be matched against it.
/// </summary>
public static class LabCommandLines
{
    public static IReadOnlyList<string> Root(LabLayout layout, string dll, LabPaths paths) =>
    [
        "dotnet", dll,
        $"--urls={layout.RootUrl}",
        $"--Oak:Akka:Hostname={layout.Root.Ipv4}",
        $"--Oak:Akka:Port={LabLayout.AkkaPort}",
        $"--Oak:Akka:Seeds={layout.Seeds}",
        "--Oak:Store:Provider=sqlite",
        $"--Oak:Store:DataDir={paths.Data}",
    ];

    public static IReadOnlyList<string> Orchestrator(LabLayout layout, LabNode node, string dll) =>
    [
        "dotnet", dll,
        $"--Oak:Akka:Hostname={node.Ipv4}",
        $"--Oak:Akka:Port={LabLayout.AkkaPort}",
        $"--Oak:Akka:Seeds={layout.Seeds}",
        $"--Oak:Site:Name={node.Site}",
    ];

    public static IReadOnlyList<string> Worker(LabLayout layout, LabNode node, string dll, LabPaths paths) =>
    [
        "dotnet", dll,
        $"--Oak:Akka:Hostname={node.Ipv4}",
        $"--Oak:Akka:Port={LabLayout.AkkaPort}",
        $"--Oak:Akka:Seeds={layout.Seeds}",
        $"--Oak:Site:Name={node.Site}",
        $"--Oak:Node:Name={node.Name}",
        $"--Oak:Node:TunnelEndpoint={node.Ipv4}:{LabLayout.TunnelPort}",
        $"--Oak:Node:Latitude={node.Latitude.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        $"--Oak:Node:Longitude={node.Longitude.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        $"--Oak:Node:StateDir={Path.Combine(paths.Nodes, node.Name)}",
        // Instance namespaces become {prefix}{node}-i{host} (see Instances/InstanceNamespace.cs), so
        // `oak lab down` finds and removes them by the lab prefix.
        $"--Oak:Node:NamespacePrefix={layout.Prefix}",
    ];
}
