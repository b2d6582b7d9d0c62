using System.Globalization;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// How the lab's processes find each other. <see cref="OneCluster"/>: every process in one Akka cluster seeded
/// by the roots (what the processes do before docs/DESIGN.md §3). <see cref="FailureDomains"/>: a root tier cluster,
/// one cluster per site seeded by its own members, and each orchestrator told every root as a contact.
/// </summary>
public enum LabTopology { OneCluster, FailureDomains }

/// <summary>
/// The exact command lines the lab runs (inside each node's namespace), with the keys of docs/CONFIG.md.
/// Kept in one place so the other processes can be matched against it.
/// </summary>
public static class LabCommandLines
{
    /// <summary>
    /// What `oak lab up` produces unless OAK_LAB_TOPOLOGY says otherwise. Flipped to
    /// <see cref="LabTopology.FailureDomains"/> together with the processes that understand those lines:
    /// today's processes ignore the new keys but would not find each other through site seeds.
    /// </summary>
    public const LabTopology DefaultTopology = LabTopology.FailureDomains;

    public const string TopologyVariable = "OAK_LAB_TOPOLOGY";

    /// <summary><c>one-cluster</c> or <c>failure-domains</c>; empty = <see cref="DefaultTopology"/>.</summary>
    public static LabTopology ParseTopology(string? raw) => raw switch
    {
        null or "" => DefaultTopology,
        "one-cluster" => LabTopology.OneCluster,
        "failure-domains" => LabTopology.FailureDomains,
        _ => throw new Parsing.UsageException($"{TopologyVariable} must be one-cluster or failure-domains, got '{raw}'"),
    };

    public static string Name(LabTopology t) => t == LabTopology.OneCluster ? "one-cluster" : "failure-domains";

    public static IReadOnlyList<string> Root(LabLayout layout, LabNode root, string dll, LabPaths paths, LabTopology topology = DefaultTopology)
    {
        var line = new List<string>
        {
            "dotnet", dll,
            $"--Oak:Akka:Hostname={root.Ipv4}",
            $"--Oak:Akka:Port={LabLayout.AkkaPort}",
            $"--Oak:Akka:Seeds={(topology == LabTopology.OneCluster ? layout.OneClusterSeeds : layout.RootSeeds)}",
            $"--urls={layout.UrlOf(root)}",
            // One token for every root (a file, not a switch: command lines are world-readable in /proc).
            $"--Oak:Api:TokenFile={paths.ApiToken}",
        };
        if (layout.Tls)
            line.AddRange([$"--Oak:Api:Certificate:Path={paths.TlsCertificate}", $"--Oak:Api:Certificate:KeyPath={paths.TlsKey}"]);
        line.AddRange(Remoting(layout, root, paths));
        if (layout.Database is { } db)
            line.AddRange(["--Oak:Store:Provider=postgres", $"--Oak:Store:ConnectionString={db.ConnectionString}"]);
        else
            line.AddRange(["--Oak:Store:Provider=sqlite", $"--Oak:Store:DataDir={paths.Data}"]);
        return line;
    }

    public static IReadOnlyList<string> Orchestrator(LabLayout layout, LabNode node, string dll, LabPaths paths, LabTopology topology = DefaultTopology)
    {
        var line = new List<string>
        {
            "dotnet", dll,
            $"--Oak:Akka:Hostname={node.Ipv4}",
            $"--Oak:Akka:Port={LabLayout.AkkaPort}",
            $"--Oak:Site:Name={node.Site}",
            $"--Oak:Akka:Seeds={Seeds(layout, node, topology)}",
        };
        if (topology == LabTopology.FailureDomains) line.Add($"--Oak:Root:Contacts={layout.RootContacts}");
        line.Add($"--Oak:Metrics:Urls={LabLayout.MetricsBase(node)}");
        line.AddRange(Remoting(layout, node, paths));
        return line;
    }

    public static IReadOnlyList<string> Worker(LabLayout layout, LabNode node, string dll, LabPaths paths, LabTopology topology = DefaultTopology) =>
    [
        "dotnet", dll,
        $"--Oak:Akka:Hostname={node.Ipv4}",
        $"--Oak:Akka:Port={LabLayout.AkkaPort}",
        $"--Oak:Akka:Seeds={Seeds(layout, node, topology)}",
        $"--Oak:Site:Name={node.Site}",
        $"--Oak:Node:Name={node.Name}",
        $"--Oak:Node:TunnelEndpoint={node.Ipv4}:{LabLayout.TunnelPort}",
        $"--Oak:Node:Latitude={node.Latitude.ToString(CultureInfo.InvariantCulture)}",
        $"--Oak:Node:Longitude={node.Longitude.ToString(CultureInfo.InvariantCulture)}",
        $"--Oak:Node:StateDir={Path.Combine(paths.Nodes, node.Name)}",
        // Instance namespaces become {prefix}{node}-i{host} (see Instances/InstanceNamespace.cs), so
        // `oak lab down` finds and removes them by the lab prefix.
        $"--Oak:Node:NamespacePrefix={layout.Prefix}",
        $"--Oak:Metrics:Urls={LabLayout.MetricsBase(node)}",
        .. Remoting(layout, node, paths),
        // Container instances: the lab's containerd namespace, whose containers are named after instance namespaces.
        $"--Oak:Node:Containerd:Address={LabContainers.Address(Environment.GetEnvironmentVariable)}",
        $"--Oak:Node:Containerd:Namespace={LabContainers.Namespace(layout.Prefix)}",
    ];

    /// <summary>
    /// Each process's own certificate and the lab's CA (<see cref="LabTls"/>): mutual TLS between all of them.
    /// Layouts without the lab's CA (stand-in processes in tests) say plain TCP explicitly, as a process requires.
    /// </summary>
    private static IReadOnlyList<string> Remoting(LabLayout layout, LabNode node, LabPaths paths) => layout.Tls
        ? [$"--Oak:Remoting:Certificate:Path={paths.RemotingCertificate(node.Name)}", $"--Oak:Remoting:Certificate:KeyPath={paths.RemotingKey(node.Name)}", $"--Oak:Remoting:CaPath={paths.TlsCa}"]
        : ["--Oak:Remoting:Tls=off"];

    private static string Seeds(LabLayout layout, LabNode siteMember, LabTopology topology) =>
        topology == LabTopology.OneCluster ? layout.OneClusterSeeds : layout.SiteSeeds(siteMember.Site);
}
