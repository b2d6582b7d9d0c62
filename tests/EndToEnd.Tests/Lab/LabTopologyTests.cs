using Oakestra.Actors.Cli.Lab;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>
/// The command lines of docs/DESIGN.md §3's failure domains (a root tier, one cluster per site, a link from each
/// orchestrator to every root) and of the single cluster before them, for one and for two roots.
/// </summary>
public class LabTopologyTests
{
    private static readonly LabPaths Paths = new("/repo");

    private static string Value(IReadOnlyList<string> line, string key)
    {
        var found = line.Where(a => a.StartsWith($"--{key}=", StringComparison.Ordinal)).ToList();
        Assert.True(found.Count == 1, $"--{key} appears {found.Count} times in: {string.Join(' ', line)}");
        return found[0][(key.Length + 3)..];
    }

    private static bool Has(IReadOnlyList<string> line, string key) => line.Any(a => a.StartsWith($"--{key}=", StringComparison.Ordinal));

    [Fact]
    public void Extra_roots_take_their_own_range_and_move_no_other_node()
    {
        var one = LabLayout.Create(4, 2);
        var two = LabLayout.Create(4, 2, roots: 3);
        Assert.Equal([("root", "10.99.0.1"), ("root2", "10.99.0.202"), ("root3", "10.99.0.203")], two.Roots.Select(r => (r.Name, r.Ipv4)));
        Assert.Equal(one.Nodes.Where(n => n.Role != LabRole.Root).Select(n => (n.Name, n.Ipv4)), two.Nodes.Where(n => n.Role != LabRole.Root).Select(n => (n.Name, n.Ipv4)));
        Assert.Equal(["http://10.99.0.1:10000", "http://10.99.0.202:10000", "http://10.99.0.203:10000"], two.RootUrls);
        Assert.Equal("oaklab-root2", two.Roots.ElementAt(1).Namespace(two.Prefix));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void Impossible_root_counts_are_refused(int roots) =>
        Assert.ThrowsAny<ArgumentException>(() => LabLayout.Create(3, 1, roots: roots));

    [Fact]
    public void Orchestrators_and_workers_may_not_reach_into_the_roots_range() =>
        Assert.ThrowsAny<ArgumentException>(() => LabLayout.Create(199, 1));

    [Fact]
    public void One_root_keeps_its_SQLite_file_and_seeds_itself()
    {
        var l = LabLayout.Create(3, 1);
        Assert.Null(l.Database);
        var root = LabCommandLines.Root(l, l.Root, "/x/Root.dll", Paths, LabTopology.FailureDomains);
        Assert.Equal("10.99.0.1", Value(root, "Oak:Akka:Hostname"));
        Assert.Equal("4053", Value(root, "Oak:Akka:Port"));
        Assert.Equal("akka.tcp://oakestra-root@10.99.0.1:4053", Value(root, "Oak:Akka:Seeds"));
        Assert.Equal("http://10.99.0.1:10000", Value(root, "urls"));
        Assert.Equal("sqlite", Value(root, "Oak:Store:Provider"));
        Assert.Equal("/repo/.lab/data", Value(root, "Oak:Store:DataDir"));
        Assert.False(Has(root, "Oak:Store:ConnectionString"));
    }

    [Fact]
    public void Two_roots_seed_each_other_in_one_order_and_share_the_labs_PostgreSQL()
    {
        var l = LabLayout.Create(4, 2, roots: 2);
        var lines = l.Roots.Select(r => LabCommandLines.Root(l, r, "/x/Root.dll", Paths, LabTopology.FailureDomains)).ToList();
        Assert.All(lines, line => Assert.Equal("akka.tcp://oakestra-root@10.99.0.1:4053,akka.tcp://oakestra-root@10.99.0.202:4053", Value(line, "Oak:Akka:Seeds")));
        Assert.Equal(["10.99.0.1", "10.99.0.202"], lines.Select(line => Value(line, "Oak:Akka:Hostname")));
        Assert.Equal(["http://10.99.0.1:10000", "http://10.99.0.202:10000"], lines.Select(line => Value(line, "urls")));
        Assert.All(lines, line =>
        {
            Assert.Equal("postgres", Value(line, "Oak:Store:Provider"));
            // The bridge's host address, where the lab's own cluster listens; not the machine's 5432.
            Assert.Equal("Host=10.99.0.254;Port=15432;Username=oak;Password=oak;Database=oakestra", Value(line, "Oak:Store:ConnectionString"));
            Assert.False(Has(line, "Oak:Store:DataDir"));
        });
    }

    [Fact]
    public void Each_site_is_seeded_by_its_orchestrator_then_its_workers_and_only_orchestrators_know_the_roots()
    {
        var l = LabLayout.Create(4, 2, roots: 2);
        // site1: o1 (.2), w1 (.4), w3 (.6); site2: o2 (.3), w2 (.5), w4 (.7).
        var site1 = "akka.tcp://oakestra-site-site1@10.99.0.2:4053,akka.tcp://oakestra-site-site1@10.99.0.4:4053,akka.tcp://oakestra-site-site1@10.99.0.6:4053";
        var site2 = "akka.tcp://oakestra-site-site2@10.99.0.3:4053,akka.tcp://oakestra-site-site2@10.99.0.5:4053,akka.tcp://oakestra-site-site2@10.99.0.7:4053";
        var roots = "akka.tcp://oakestra-root@10.99.0.1:4053,akka.tcp://oakestra-root@10.99.0.202:4053";
        Assert.Equal(site1, l.SiteSeeds("site1"));
        Assert.Equal(site2, l.SiteSeeds("site2"));

        foreach (var o in l.Orchestrators)
        {
            var line = LabCommandLines.Orchestrator(l, o, "/x/Orch.dll", Paths, LabTopology.FailureDomains);
            Assert.Equal(o.Ipv4, Value(line, "Oak:Akka:Hostname"));
            Assert.Equal("4053", Value(line, "Oak:Akka:Port"));
            Assert.Equal(o.Site, Value(line, "Oak:Site:Name"));
            Assert.Equal(o.Site == "site1" ? site1 : site2, Value(line, "Oak:Akka:Seeds"));
            Assert.Equal(roots, Value(line, "Oak:Root:Contacts"));
        }
        foreach (var w in l.Workers)
        {
            var line = LabCommandLines.Worker(l, w, "/x/Worker.dll", Paths, LabTopology.FailureDomains);
            Assert.Equal(w.Site == "site1" ? site1 : site2, Value(line, "Oak:Akka:Seeds"));
            Assert.False(Has(line, "Oak:Root:Contacts"));
            Assert.Equal(w.Site, Value(line, "Oak:Site:Name"));
            Assert.Equal($"{w.Ipv4}:50103", Value(line, "Oak:Node:TunnelEndpoint"));
        }
    }

    [Fact]
    public void One_cluster_lines_seed_every_process_with_every_root_and_carry_no_root_contacts()
    {
        var l = LabLayout.Create(2, 1, roots: 2);
        var all = l.Roots.Select(r => LabCommandLines.Root(l, r, "/x/Root.dll", Paths, LabTopology.OneCluster))
            .Concat(l.Orchestrators.Select(o => LabCommandLines.Orchestrator(l, o, "/x/Orch.dll", Paths, LabTopology.OneCluster)))
            .Concat(l.Workers.Select(w => LabCommandLines.Worker(l, w, "/x/Worker.dll", Paths, LabTopology.OneCluster)));
        Assert.All(all, line =>
        {
            Assert.Equal("akka.tcp://oakestra@10.99.0.1:4053,akka.tcp://oakestra@10.99.0.202:4053", Value(line, "Oak:Akka:Seeds"));
            Assert.False(Has(line, "Oak:Root:Contacts"));
        });
    }

    [Fact]
    public void Topology_switch_reads_its_two_names_and_refuses_others()
    {
        Assert.Equal(LabCommandLines.DefaultTopology, LabCommandLines.ParseTopology(null));
        Assert.Equal(LabTopology.OneCluster, LabCommandLines.ParseTopology("one-cluster"));
        Assert.Equal(LabTopology.FailureDomains, LabCommandLines.ParseTopology("failure-domains"));
        Assert.Throws<Oakestra.Actors.Cli.Parsing.UsageException>(() => LabCommandLines.ParseTopology("two-clusters"));
    }
}
