using Oakestra.Actors.Cli.Lab;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

public class LabLayoutTests
{
    [Fact]
    public void Default_lab_is_root_one_orchestrator_three_workers_on_consecutive_addresses()
    {
        var l = LabLayout.Create(3, 1);
        Assert.Equal([("root", "10.99.0.1"), ("o1", "10.99.0.2"), ("w1", "10.99.0.3"), ("w2", "10.99.0.4"), ("w3", "10.99.0.5")],
            l.Nodes.Select(n => (n.Name, n.Ipv4)));
        Assert.Equal(["oaklab-root", "oaklab-o1", "oaklab-w1", "oaklab-w2", "oaklab-w3"], l.Nodes.Select(n => n.Namespace(l.Prefix)));
        Assert.All(l.Workers, w => Assert.Equal("site1", w.Site));
        Assert.Equal("http://10.99.0.1:10000", l.RootUrl);
        Assert.Equal("akka.tcp://oakestra@10.99.0.1:4053", l.OneClusterSeeds);
    }

    [Fact]
    public void Workers_are_spread_over_sites_round_robin()
    {
        var l = LabLayout.Create(5, 2);
        Assert.Equal(["site1", "site2"], l.Orchestrators.Select(o => o.Site));
        Assert.Equal(["site1", "site2", "site1", "site2", "site1"], l.Workers.Select(w => w.Site));
    }

    [Fact]
    public void Workers_stand_between_100_and_1000_km_apart()
    {
        var workers = LabLayout.Create(20, 1).Workers.ToList();
        foreach (var a in workers)
            foreach (var b in workers.Where(b => b != a))
                Assert.InRange(Km(a, b), 20, 1200);
        var firstThree = workers.Take(3).ToList();
        Assert.All(firstThree.SelectMany(a => firstThree.Where(b => b != a), (a, b) => Km(a, b)), d => Assert.InRange(d, 100, 1000));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(2, 3)]
    [InlineData(300, 1)]
    public void Impossible_layouts_are_refused(int workers, int sites) =>
        Assert.ThrowsAny<ArgumentException>(() => LabLayout.Create(workers, sites));

    [Fact]
    public void Worker_command_line_carries_its_address_site_tunnel_coordinates_and_namespace_prefix()
    {
        var l = LabLayout.Create(3, 1);
        var w2 = l.Workers.ElementAt(1);
        var cmd = LabCommandLines.Worker(l, w2, "/x/Worker.dll", new LabPaths("/repo"), LabTopology.OneCluster);
        Assert.Equal(["dotnet", "/x/Worker.dll"], cmd.Take(2));
        Assert.Contains("--Oak:Akka:Hostname=10.99.0.4", cmd);
        Assert.Contains("--Oak:Akka:Seeds=akka.tcp://oakestra@10.99.0.1:4053", cmd);
        Assert.Contains("--Oak:Site:Name=site1", cmd);
        Assert.Contains("--Oak:Node:Name=w2", cmd);
        Assert.Contains("--Oak:Node:TunnelEndpoint=10.99.0.4:50103", cmd);
        Assert.Contains("--Oak:Node:Latitude=48.7758", cmd);
        Assert.Contains("--Oak:Node:StateDir=/repo/.lab/nodes/w2", cmd);
        Assert.Contains("--Oak:Node:NamespacePrefix=oaklab-", cmd);
        Assert.Contains("--Oak:Metrics:Urls=http://10.99.0.4:9464", cmd);
        Assert.Contains("--Oak:Metrics:Urls=http://10.99.0.2:9464", LabCommandLines.Orchestrator(l, l.Orchestrators.First(), "/x/Orch.dll", new LabPaths("/repo")));
        Assert.Equal("http://10.99.0.4:9464/metrics", LabLayout.MetricsUrl(w2, https: true));
        Assert.Equal("https://10.99.0.1:10000/metrics", LabLayout.MetricsUrl(l.Root, https: true));
        var root = LabCommandLines.Root(l, l.Root, "/x/Root.dll", new LabPaths("/repo"), LabTopology.OneCluster);
        Assert.Contains("--urls=http://10.99.0.1:10000", root);
        Assert.Contains("--Oak:Store:DataDir=/repo/.lab/data", root);
    }

    private static double Km(LabNode a, LabNode b)
    {
        static double R(double d) => d * Math.PI / 180;
        var h = Math.Pow(Math.Sin(R(b.Latitude - a.Latitude) / 2), 2) + Math.Cos(R(a.Latitude)) * Math.Cos(R(b.Latitude)) * Math.Pow(Math.Sin(R(b.Longitude - a.Longitude) / 2), 2);
        return 2 * 6371 * Math.Asin(Math.Sqrt(h));
    }
}
