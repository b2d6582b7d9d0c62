using Oakestra.Actors.Cli;
using Oakestra.Actors.Cli.Api;
using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.EndToEnd.Tests.Support;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>
/// The lab's network alone (bridge, namespaces, veths), with this suite's own prefix, bridge and subnet so
/// it never touches a real lab. Everything is removed in finally blocks; the tests check nothing is left.
/// </summary>
[Collection("lab fabric")]
public class LabFabricTests
{
    private const string Prefix = "oakt-lab-";
    private const string Bridge = "oakt-lab0";
    private const string Subnet = "10.99.250";

    private static LabLayout Layout(int workers = 2) => LabLayout.Create(workers, 1, Prefix, Bridge, Subnet);

    [SkippableFact]
    public void Fabric_connects_every_node_namespace_over_the_bridge_and_removal_leaves_nothing()
    {
        Requires.RootWithNetns();
        var layout = Layout();
        LabFabric.Remove(Prefix, Bridge);
        try
        {
            LabFabric.CheckFree(layout);
            LabFabric.Create(layout);

            Assert.Equal(layout.Nodes.Select(n => Prefix + n.Name).Order(), LabFabric.Namespaces(Prefix).Order());
            // w2 reaches the root over the bridge, from its own eth0 address; lo is up inside.
            var ping = Shell.Run("ip", "netns", "exec", Prefix + "w2", "ping", "-c", "1", "-W", "2", layout.Root.Ipv4);
            Assert.True(ping.Ok, ping.Stdout + ping.Stderr);
            Assert.Contains($"inet {layout.Workers.Last().Ipv4}/24", Shell.Check("ip", "-n", Prefix + "w2", "addr", "show", "dev", "eth0"));
            Assert.Contains("UP", Shell.Check("ip", "-n", Prefix + "root", "link", "show", "dev", "lo"));
            Assert.Contains($"inet {Subnet}.254/24", Shell.Check("ip", "addr", "show", "dev", Bridge));

            // A second lab on the same subnet is refused with a reason.
            var e = Assert.Throws<CliFailure>(() => LabFabric.CheckFree(layout));
            Assert.Contains(Bridge, e.Message);
        }
        finally
        {
            LabFabric.Remove(Prefix, Bridge);
        }
        AssertNothingLeft();
    }

    [SkippableFact]
    public void A_subnet_already_routed_here_is_refused()
    {
        Requires.RootWithNetns();
        var layout = Layout();
        var other = Prefix + "x0";
        try
        {
            Shell.Check("ip", "link", "add", other, "type", "bridge");
            Shell.Check("ip", "addr", "add", $"{Subnet}.77/24", "dev", other);
            Shell.Check("ip", "link", "set", other, "up");
            var e = Assert.Throws<CliFailure>(() => LabFabric.CheckFree(layout));
            Assert.Contains($"{Subnet}.0/24 is already in use", e.Message);
        }
        finally
        {
            Shell.Run("ip", "link", "del", other);
        }
        AssertNothingLeft();
    }

    [SkippableFact]
    public async Task Lab_down_stops_lab_processes_and_removes_namespaces_including_worker_made_ones()
    {
        Requires.RootWithNetns();
        var layout = Layout(1);
        using var oak = new Oak();
        var paths = new LabPaths(oak.RepoRoot);
        try
        {
            LabFabric.Create(layout);
            // What a worker would leave behind: an instance namespace with a process in it.
            Shell.Check("ip", "netns", "add", Prefix + "w1-i2");
            var node = LabProcesses.Start("w1", Prefix + "w1", ["sleep", "300"], paths.Log("w1"));
            var instance = LabProcesses.Start("inst", Prefix + "w1-i2", ["sleep", "301"], paths.Log("inst"));
            // A process that ignores SIGTERM must still go (SIGKILL after the grace period).
            var stubborn = LabProcesses.Start("stubborn", Prefix + "root", ["sh", "-c", "trap '' TERM; sleep 302 & wait"], paths.Log("stubborn"));
            await Task.Delay(300);
            Assert.True(LabProcesses.Alive(node.Pid) && LabProcesses.Alive(instance.Pid) && LabProcesses.Alive(stubborn.Pid));
            new LabState(Prefix, Bridge, layout.RootUrl, DateTimeOffset.UtcNow, layout.Nodes, [node, stubborn]).Save(paths);
            paths.WriteEnv(new Dictionary<string, string> { ["OAK_ROOT"] = layout.RootUrl });

            var r = await oak.RunAsync("lab", "down");

            Assert.Equal(0, r.ExitCode);
            Assert.False(LabProcesses.Alive(node.Pid), "node process survived");
            Assert.False(LabProcesses.Alive(instance.Pid), "instance process survived");
            Assert.False(LabProcesses.Alive(stubborn.Pid), "SIGTERM-ignoring process survived");
            Assert.False(File.Exists(paths.StateFile));
            Assert.False(File.Exists(paths.EnvFile));
            Assert.Contains("lab down", r.Out);
        }
        finally
        {
            foreach (var ns in LabFabric.Namespaces(Prefix)) LabProcesses.Stop(LabFabric.Pids(ns), TimeSpan.FromSeconds(1));
            LabFabric.Remove(Prefix, Bridge);
        }
        AssertNothingLeft();
    }

    [SkippableFact]
    public async Task Lab_up_while_a_lab_runs_is_refused_and_changes_nothing()
    {
        Requires.RootWithNetns();
        using var oak = new Oak();
        var paths = new LabPaths(oak.RepoRoot);
        new LabState(Prefix, Bridge, "http://10.99.250.1:10000", DateTimeOffset.UtcNow, [], []).Save(paths);
        var r = await oak.RunAsync("lab", "up", "--no-build");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("oak: lab already running, `oak lab down` first", Assert.Single(r.ErrLines));
        Assert.True(File.Exists(paths.StateFile));
        AssertNothingLeft();
    }

    private static void AssertNothingLeft()
    {
        Assert.Empty(LabFabric.Namespaces(Prefix));
        Assert.False(LabFabric.LinkExists(Bridge), $"{Bridge} left behind");
        Assert.DoesNotContain(Prefix, Shell.Check("ip", "-o", "link", "show"));
    }
}
