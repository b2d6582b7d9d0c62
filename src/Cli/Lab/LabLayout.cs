namespace Oakestra.Actors.Cli.Lab;

public enum LabRole { Root, Orchestrator, Worker }

/// <summary>One machine of the lab: a network namespace with one address on the lab bridge.</summary>
public sealed record LabNode(string Name, LabRole Role, string Ipv4, string Site, double Latitude, double Longitude)
{
    public string Namespace(string prefix) => prefix + Name;
}

/// <summary>The PostgreSQL database several roots share: a cluster the lab runs on the bridge's host address.</summary>
public sealed record LabDatabase(string Host, int Port, string User, string Password, string Name)
{
    public string ConnectionString => $"Host={Host};Port={Port};Username={User};Password={Password};Database={Name}";
}

/// <summary>
/// Which nodes a lab has and their addresses: root = .1, orchestrators o1..oM = .2.., workers w1..wN
/// after them; root k ≥ 2 (<c>root2</c>…) at .(200+k), a range of their own so that adding roots moves no
/// other node; worker k belongs to site ((k-1) mod M)+1; workers sit in cities a few hundred km apart so
/// Closest has something to choose. Also what the members of each tier must be told to find each other.
/// </summary>
/// <para><see cref="Tls"/>: the lab's own CA (<see cref="LabTls"/>): the roots serve their API over HTTPS and every
/// process's Akka remoting runs over mutual TLS with its certificate; what `oak lab up` runs. Tests with stand-in
/// roots (plain HTTP fakes behind socat) leave it off.</para>
public sealed record LabLayout(string Prefix, string Bridge, string Subnet, IReadOnlyList<LabNode> Nodes, bool Tls = false)
{
    public const string LabPrefix = "oaklab-";
    public const string LabBridge = "oaklab0";
    public const string LabSubnet = "10.99.0";
    public const int HostOctet = 254;
    public const int AkkaPort = 4053;
    public const int ApiPort = 10000;
    public const int TunnelPort = 50103;
    /// <summary>Where orchestrators and workers serve /metrics (Oak:Metrics:Urls, docs/METRICS.md) on their lab address.</summary>
    public const int MetricsPort = 9464;
    public const int MaxRoots = 9;
    public const int ExtraRootsBase = 200;
    /// <summary>Not 5432: the machine's own cluster may listen there (on another address, but a user's psql habit would not tell them apart).</summary>
    public const int PostgresPort = 15432;

    /// <summary>The ActorSystem names of docs/DESIGN.md §3: one cluster for the root tier, one per edge site; and the single cluster of before.</summary>
    public const string RootSystem = "oakestra-root";
    public const string OneClusterSystem = "oakestra";
    public static string SiteSystem(string site) => $"oakestra-site-{site}";

    // Southern Germany and its neighbours: 150–600 km apart.
    private static readonly (string City, double Lat, double Lon)[] Cities =
    [
        ("Munich", 48.1372, 11.5756), ("Stuttgart", 48.7758, 9.1829), ("Nuremberg", 49.4521, 11.0767),
        ("Zurich", 47.3769, 8.5417), ("Vienna", 48.2082, 16.3738), ("Frankfurt", 50.1109, 8.6821),
        ("Prague", 50.0755, 14.4378), ("Milan", 45.4642, 9.1900), ("Berlin", 52.5200, 13.4050),
        ("Hamburg", 53.5511, 9.9937), ("Lyon", 45.7640, 4.8357), ("Ljubljana", 46.0569, 14.5058),
    ];

    public string HostAddress => $"{Subnet}.{HostOctet}";
    /// <summary>The first root: the one the lab starts first and the one a single-root lab has.</summary>
    public LabNode Root => Roots.First();
    public IEnumerable<LabNode> Roots => Nodes.Where(n => n.Role == LabRole.Root);
    public IEnumerable<LabNode> Orchestrators => Nodes.Where(n => n.Role == LabRole.Orchestrator);
    public IEnumerable<LabNode> Workers => Nodes.Where(n => n.Role == LabRole.Worker);
    public LabNode Node(string name) => Nodes.Single(n => n.Name == name);

    public string RootUrl => UrlOf(Root);
    public IReadOnlyList<string> RootUrls => Roots.Select(UrlOf).ToList();
    public string UrlOf(LabNode root) => Url(root, Tls);
    public static string Url(LabNode root, bool https) => $"{(https ? "https" : "http")}://{root.Ipv4}:{ApiPort}";

    /// <summary>A process's metrics address: the root's API URL + /metrics (with the token), the others' own endpoint.</summary>
    public static string MetricsUrl(LabNode node, bool https) =>
        node.Role == LabRole.Root ? Url(node, https) + "/metrics" : MetricsBase(node) + "/metrics";

    /// <summary>The Oak:Metrics:Urls an orchestrator or worker of the lab gets.</summary>
    public static string MetricsBase(LabNode node) => $"http://{node.Ipv4}:{MetricsPort}";

    /// <summary>Several roots share one PostgreSQL journal; a single root keeps its SQLite file (null here).</summary>
    public LabDatabase? Database => Roots.Count() > 1 ? new LabDatabase(HostAddress, PostgresPort, "oak", "oak", "oakestra") : null;

    /// <summary>One Akka cluster for every process (before docs/DESIGN.md §3): every root is a seed of everyone.</summary>
    public string OneClusterSeeds => Addresses(OneClusterSystem, Roots);

    /// <summary>The root tier's seeds, every root in the same order on every root.</summary>
    public string RootSeeds => Addresses(RootSystem, Roots);

    /// <summary>Where an orchestrator's link to the root tier may knock: every root.</summary>
    public string RootContacts => Addresses(RootSystem, Roots);

    /// <summary>A site's members: its orchestrator, then its workers in order.</summary>
    public IEnumerable<LabNode> SiteMembers(string site) =>
        Orchestrators.Where(o => o.Site == site).Concat(Workers.Where(w => w.Site == site));

    /// <summary>A site's seeds: the orchestrator first, then every worker, so a restarted member finds its running site.</summary>
    public string SiteSeeds(string site) => Addresses(SiteSystem(site), SiteMembers(site));

    public IEnumerable<string> Sites => Orchestrators.Select(o => o.Site);

    private static string Addresses(string system, IEnumerable<LabNode> nodes) =>
        string.Join(",", nodes.Select(n => $"akka.tcp://{system}@{n.Ipv4}:{AkkaPort}"));

    public static LabLayout Create(int workers, int sites, string prefix = LabPrefix, string bridge = LabBridge, string subnet = LabSubnet, int roots = 1, bool tls = false)
    {
        if (roots < 1 || roots > MaxRoots) throw new ArgumentOutOfRangeException(nameof(roots), $"a lab has 1 to {MaxRoots} roots");
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), "a lab needs at least one worker");
        if (sites < 1) throw new ArgumentOutOfRangeException(nameof(sites), "a lab needs at least one site");
        if (sites > workers) throw new ArgumentOutOfRangeException(nameof(sites), "every site needs at least one worker");
        if (1 + sites + workers > ExtraRootsBase) throw new ArgumentOutOfRangeException(nameof(workers), $"at most {ExtraRootsBase - 2} orchestrators and workers fit below {subnet}.{ExtraRootsBase + 1} (the roots' range)");
        var nodes = new List<LabNode>();
        var octet = 1;
        nodes.Add(new LabNode("root", LabRole.Root, $"{subnet}.{octet++}", "", 0, 0));
        for (var r = 2; r <= roots; r++) nodes.Add(new LabNode($"root{r}", LabRole.Root, $"{subnet}.{ExtraRootsBase + r}", "", 0, 0));
        for (var s = 1; s <= sites; s++) nodes.Add(new LabNode($"o{s}", LabRole.Orchestrator, $"{subnet}.{octet++}", Site(s), 0, 0));
        for (var w = 1; w <= workers; w++)
        {
            var (lat, lon) = Coordinates(w);
            nodes.Add(new LabNode($"w{w}", LabRole.Worker, $"{subnet}.{octet++}", Site(((w - 1) % sites) + 1), lat, lon));
        }
        foreach (var n in nodes)
            if ((prefix + n.Name).Length > 15) throw new ArgumentException($"interface name {prefix}{n.Name} is longer than Linux's 15 characters");
        return new LabLayout(prefix, bridge, subnet, nodes, tls);
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
