namespace Oakestra.Actors.Cli.Lab;

public enum LabRole { Root, Orchestrator, Worker }

/// <summary>One machine of the lab: a network namespace with one address on the lab bridge.</summary>
public sealed record LabNode(string Name, LabRole Role, string Ipv4, string Site, double Latitude, double Longitude)
{
    public string Namespace(string prefix) => prefix + Name;
}

/// <summary>
/// Which nodes a lab has and their addresses: root = .1, orchestrators o1..oM = .2.., workers w1..wN
/// after them; worker k belongs to site ((k-1) mod M)+1; workers sit in cities a few hundred km apart so
/// Closest has something to choose.
/// </summary>
public sealed record LabLayout(string Prefix, string Bridge, string Subnet, IReadOnlyList<LabNode> Nodes)
{
    public const string LabPrefix = "oaklab-";
    public const string LabBridge = "oaklab0";
    public const string LabSubnet = "10.99.0";
    public const int HostOctet = 254;
    public const int AkkaPort = 4053;
    public const int ApiPort = 10000;
    public const int TunnelPort = 50103;

    // Southern Germany and its neighbours: 150–600 km apart.
    private static readonly (string City, double Lat, double Lon)[] Cities =
    [
        ("Munich", 48.1372, 11.5756), ("Stuttgart", 48.7758, 9.1829), ("Nuremberg", 49.4521, 11.0767),
        ("Zurich", 47.3769, 8.5417), ("Vienna", 48.2082, 16.3738), ("Frankfurt", 50.1109, 8.6821),
        ("Prague", 50.0755, 14.4378), ("Milan", 45.4642, 9.1900), ("Berlin", 52.5200, 13.4050),
        ("Hamburg", 53.5511, 9.9937), ("Lyon", 45.7640, 4.8357), ("Ljubljana", 46.0569, 14.5058),
    ];

    public string HostAddress => $"{Subnet}.{HostOctet}";
    public LabNode Root => Nodes.Single(n => n.Role == LabRole.Root);
    public IEnumerable<LabNode> Orchestrators => Nodes.Where(n => n.Role == LabRole.Orchestrator);
    public IEnumerable<LabNode> Workers => Nodes.Where(n => n.Role == LabRole.Worker);
    public string RootUrl => $"http://{Root.Ipv4}:{ApiPort}";
    public string Seeds => $"akka.tcp://oakestra@{Root.Ipv4}:{AkkaPort}";

    public static LabLayout Create(int workers, int sites, string prefix = LabPrefix, string bridge = LabBridge, string subnet = LabSubnet)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), "a lab needs at least one worker");
        if (sites < 1) throw new ArgumentOutOfRangeException(nameof(sites), "a lab needs at least one site");
        if (sites > workers) throw new ArgumentOutOfRangeException(nameof(sites), "every site needs at least one worker");
        if (1 + sites + workers >= HostOctet) throw new ArgumentOutOfRangeException(nameof(workers), $"at most {HostOctet - 2} nodes fit in {subnet}.0/24");
        var nodes = new List<LabNode>();
        var octet = 1;
        nodes.Add(new LabNode("root", LabRole.Root, $"{subnet}.{octet++}", "", 0, 0));
        for (var s = 1; s <= sites; s++) nodes.Add(new LabNode($"o{s}", LabRole.Orchestrator, $"{subnet}.{octet++}", Site(s), 0, 0));
        for (var w = 1; w <= workers; w++)
        {
            var (lat, lon) = Coordinates(w);
            nodes.Add(new LabNode($"w{w}", LabRole.Worker, $"{subnet}.{octet++}", Site(((w - 1) % sites) + 1), lat, lon));
        }
        foreach (var n in nodes)
            if ((prefix + n.Name).Length > 15) throw new ArgumentException($"interface name {prefix}{n.Name} is longer than Linux's 15 characters");
        return new LabLayout(prefix, bridge, subnet, nodes);
    }

    public static string Site(int s) => $"site{s}";

    /// <summary>The k-th worker's city; past the list, rings of 300 km around Munich.</summary>
    public static (double Lat, double Lon) Coordinates(int worker)
    {
        if (worker <= Cities.Length) return (Cities[worker - 1].Lat, Cities[worker - 1].Lon);
        var angle = worker * 2.399963; // golden angle: no two land on one spot
        var ring = 2.7 * (1 + (worker - Cities.Length) / 12);
        return (Math.Round(48.1372 + ring * Math.Sin(angle), 4), Math.Round(11.5756 + ring * 1.5 * Math.Cos(angle), 4));
    }
}
