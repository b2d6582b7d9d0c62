using System.Diagnostics;
using System.Net;
using Oakestra.Actors.Tests.Shared;
using Oakestra.Actors.WorkerNode.Runtime;
using Oakestra.Actors.WorkerNode.Shell;
using static Oakestra.Actors.WorkerNode.Runtime.InstanceStatus;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

public class InstanceRuntimeTests
{
    internal static InstanceLaunch Launch(string id, string code, int? port = null, long epoch = 7) =>
        new("svc-a", id, 3, epoch, code, IPAddress.Parse("10.30.0.9"), IPAddress.Parse("fdff::9"), port);

    internal static async Task<string> WaitForLogAsync(string path, string marker)
    {
        for (var i = 0; i < 200; i++)
        {
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
            if (text.Contains(marker, StringComparison.Ordinal)) return text;
            await Task.Delay(50);
        }
        throw new TimeoutException($"log {path} never showed '{marker}': {(File.Exists(path) ? await File.ReadAllTextAsync(path) : "(no file)")}");
    }

    [SkippableFact]
    public async Task Instance_runs_in_its_own_namespace_with_its_namespace_ips_and_identity()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync();

        var info = await node.Runtime.StartAsync(Launch("inst-1",
            "ip -o addr show dev eth0; env | grep ^OAK_ | sort; echo ready; exec sleep 60"));
        await node.Statuses.WaitAsync("inst-1", Running);
        var log = await WaitForLogAsync(info.LogPath, "ready");

        Assert.Equal([Starting, Running], node.Statuses.Statuses("inst-1"));
        Assert.All(node.Statuses.For("inst-1"), r => Assert.Equal(7, r.Epoch));
        Assert.Equal(IPAddress.Parse("10.18.0.66"), info.NamespaceIpv4);
        Assert.Contains("inet 10.18.0.66/26", log);
        Assert.Contains("inet6 fc00::102/120", log);
        foreach (var expected in new[]
                 {
                     "OAK_SERVICE_ID=svc-a", "OAK_INSTANCE_ID=inst-1", "OAK_INSTANCE_NUMBER=3", $"OAK_NODE=w-{node.Lab.Tag}",
                     "OAK_INSTANCE_IPV4=10.30.0.9", "OAK_INSTANCE_IPV6=fdff::9", "OAK_NAMESPACE_IPV4=10.18.0.66", "OAK_NAMESPACE_IPV6=fc00::102",
                 })
            Assert.Contains(expected + "\n", log);

        // The process lives in the instance namespace; the veth host end is in the node, on the bridge.
        Assert.Equal(info.NetworkNamespace, (await Sh.Run("ip", "netns", "identify", info.ProcessId.ToString())).Trim());
        Assert.StartsWith(node.Lab.InstancePrefix, info.NetworkNamespace);
        Assert.Contains($"master {NodeLab.Bridge}", await Sh.InNs(node.Lab.NodeNetns, "ip", "-o", "link", "show", "dev", info.HostVeth));
        Assert.Contains("mtu 1412", await Sh.InNs(info.NetworkNamespace, "ip", "-o", "link", "show", "dev", "eth0"));
        Assert.Contains("default via 10.18.0.65 dev eth0", await Sh.InNs(info.NetworkNamespace, "ip", "-4", "route"));
        Assert.Contains("default via fc00::101 dev eth0", await Sh.InNs(info.NetworkNamespace, "ip", "-6", "route"));
        Assert.Contains("UP", await Sh.InNs(info.NetworkNamespace, "ip", "-o", "link", "show", "dev", "lo"));
        await Sh.InNs(node.Lab.NodeNetns, "ping", "-c1", "-W3", "10.18.0.66");
        await Sh.InNs(node.Lab.NodeNetns, "ping", "-6", "-c1", "-W3", "fc00::102");

        // Same placement again is a no-op; another epoch must stop this one first.
        Assert.Equal(info.NetworkNamespace, (await node.Runtime.StartAsync(Launch("inst-1", "true"))).NetworkNamespace);
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Runtime.StartAsync(Launch("inst-1", "true", epoch: 8)));

        Assert.True(await node.Runtime.StopAsync("inst-1"));
        Assert.Equal([Starting, Running, Stopped], node.Statuses.Statuses("inst-1"));
        Assert.False(await node.Runtime.StopAsync("inst-1"));
        await node.Lab.AssertNoInstanceLeftoversAsync();
        Assert.Equal(61, node.Runtime.FreeAddresses);
    }

    [SkippableFact]
    public async Task Given_port_makes_running_wait_until_the_instance_accepts_connections()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync();

        var info = await node.Runtime.StartAsync(Launch("web",
            "sleep 1; echo listening; exec socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo hello-from-$OAK_INSTANCE_ID'", port: 8080));
        await node.Statuses.WaitAsync("web", Running);

        // Running was caused by the listener: the line printed just before it is already in the log.
        Assert.Contains("listening", await File.ReadAllTextAsync(info.LogPath));
        var answer = await Sh.InNs(node.Lab.NodeNetns, "socat", "-T3", "-u", "TCP:10.18.0.66:8080", "-");
        Assert.Equal("hello-from-web\n", answer);
        Assert.Equal([Starting, Running], node.Statuses.Statuses("web"));
    }

    [SkippableFact]
    public async Task Port_that_never_opens_gives_failed_and_cleans_up()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync(o => o with { ReadinessTimeout = TimeSpan.FromSeconds(1.5) });

        await node.Runtime.StartAsync(Launch("mute", "exec sleep 60", port: 8081));
        var failed = await node.Statuses.WaitAsync("mute", Failed);

        Assert.Contains("8081", failed.Detail);
        Assert.Equal([Starting, Failed], node.Statuses.Statuses("mute"));
        Assert.Empty(node.Runtime.Instances);
        await node.Lab.AssertNoInstanceLeftoversAsync();
    }

    [SkippableFact]
    public async Task Two_instances_reach_each_other_through_the_bridge_and_exec_passes_streams()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync();
        var a = await node.Runtime.StartAsync(Launch("a", "exec sleep 60"));
        var b = await node.Runtime.StartAsync(Launch("b", "exec sleep 60"));
        Assert.NotEqual(a.NamespaceIpv4, b.NamespaceIpv4);
        Assert.NotEqual(a.NetworkNamespace, b.NetworkNamespace);

        var sink = new MemoryStream();
        var errors = new MemoryStream();
        Assert.Equal(0, await node.Runtime.ExecAsync("a", ["ping", "-c1", "-W3", b.NamespaceIpv4.ToString()], new ExecStreams(null, sink, errors)));
        Assert.Equal(0, await node.Runtime.ExecAsync("a", ["ping", "-6", "-c1", "-W3", b.NamespaceIpv6.ToString()], new ExecStreams(null, sink, errors)));

        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var code = await node.Runtime.ExecAsync("b",
            ["/bin/sh", "-c", "cat; echo \" $OAK_INSTANCE_ID $(ip -4 -o addr show dev eth0 | awk '{print $4}')\"; echo oops >&2; exit 4"],
            new ExecStreams(new MemoryStream("piped"u8.ToArray()), stdout, stderr));
        Assert.Equal(4, code);
        Assert.Equal($"piped b {b.NamespaceIpv4}/26\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("oops\n", System.Text.Encoding.UTF8.GetString(stderr.ToArray()));

        await node.Runtime.StopAsync("a");
        await node.Runtime.StopAsync("b");
        await node.Lab.AssertNoInstanceLeftoversAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Runtime.ExecAsync("a", ["true"], new ExecStreams(null, sink, errors)));
    }

    [SkippableFact]
    public async Task Stop_kills_a_process_ignoring_sigterm_after_the_grace_period_and_returns_everything()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync();
        var info = await node.Runtime.StartAsync(Launch("stubborn", "trap '' TERM; echo trapped; while :; do sleep 0.1; done"));
        await WaitForLogAsync(info.LogPath, "trapped");
        Assert.Equal(60, node.Runtime.FreeAddresses);

        var clock = Stopwatch.StartNew();
        Assert.True(await node.Runtime.StopAsync("stubborn"));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"stopped after {clock.Elapsed}, before the grace period");

        var stopped = node.Statuses.For("stubborn")[^1];
        Assert.Equal(Stopped, stopped.Status);
        Assert.Equal(7, stopped.Epoch);
        Assert.Equal(128 + 9, stopped.ExitCode); // SIGKILL, not the ignored SIGTERM
        Assert.False((await Sh.Try("kill", "-0", info.ProcessId.ToString())).Succeeded);
        await node.Lab.AssertNoInstanceLeftoversAsync();
        Assert.Equal(61, node.Runtime.FreeAddresses);
    }

    [SkippableFact]
    public async Task Stop_while_waiting_for_readiness_reports_stopped_and_never_running()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync();
        await node.Runtime.StartAsync(Launch("slow", "exec sleep 60", port: 8082));
        await Task.Delay(300);

        Assert.True(await node.Runtime.StopAsync("slow"));
        await Task.Delay(500); // a late readiness probe or exit watcher must not report anything more

        Assert.Equal([Starting, Stopped], node.Statuses.Statuses("slow"));
        await node.Lab.AssertNoInstanceLeftoversAsync();
    }

    [SkippableFact]
    public async Task Concurrent_starts_get_distinct_namespaces_and_addresses()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync();
        var ids = Enumerable.Range(1, 5).Select(i => $"c{i}").ToList();

        var infos = await Task.WhenAll(ids.Select(id => node.Runtime.StartAsync(Launch(id, "exec sleep 60"))));
        foreach (var id in ids) await node.Statuses.WaitAsync(id, Running);

        Assert.Equal(5, infos.Select(i => i.NamespaceIpv4).Distinct().Count());
        Assert.Equal(5, infos.Select(i => i.NetworkNamespace).Distinct().Count());
        foreach (var info in infos)
            Assert.Equal(info.NetworkNamespace, (await Sh.Run("ip", "netns", "identify", info.ProcessId.ToString())).Trim());
        await Task.WhenAll(ids.Select(id => node.Runtime.StopAsync(id)));
        await node.Lab.AssertNoInstanceLeftoversAsync();
        Assert.Equal(61, node.Runtime.FreeAddresses);
    }

    [SkippableFact]
    public async Task Crashing_process_gives_failed_with_exit_code_and_log_tail()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync();
        await node.Runtime.StartAsync(Launch("crashy", "echo about to crash; exit 7", epoch: 12));

        var failed = await node.Statuses.WaitAsync("crashy", Failed);
        Assert.Equal(7, failed.ExitCode);
        Assert.Equal(12, failed.Epoch);
        Assert.Contains("code 7", failed.Detail);
        Assert.Contains("about to crash", failed.LogTail);
        Assert.Equal(Failed, node.Statuses.Statuses("crashy")[^1]);
        Assert.Empty(node.Runtime.Instances);
        await node.Lab.AssertNoInstanceLeftoversAsync();
        Assert.Equal(61, node.Runtime.FreeAddresses);
    }

    [SkippableFact]
    public async Task Setup_failure_throws_with_the_command_reports_failed_and_leaves_nothing()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync(setUpNetwork: false); // no bridge to attach to

        var e = await Assert.ThrowsAsync<CommandFailedException>(() => node.Runtime.StartAsync(Launch("orphan", "exec sleep 60")));
        Assert.Contains($"master {NodeLab.Bridge}", e.Message);
        Assert.Equal([Starting, Failed], node.Statuses.Statuses("orphan"));
        Assert.Contains("setup failed", node.Statuses.For("orphan")[^1].Detail);
        await node.Lab.AssertNoInstanceLeftoversAsync();
        Assert.Equal(61, node.Runtime.FreeAddresses);
    }

    [SkippableFact]
    public async Task Restarted_worker_removes_what_a_crashed_run_left()
    {
        Requires.RootWithNetns();
        await using var node = await RuntimeNode.CreateAsync();
        var lab = node.Lab;
        // What a killed worker leaves, named as the runtime names things: an instance netns with its veth
        // and a process (plus a daemon that escaped into its own session), a process whose netns lost its
        // name, and a stray veth host end.
        var ns = lab.InstancePrefix + "5";
        await Sh.Run("ip", "netns", "add", ns);
        await Sh.InNs(lab.NodeNetns, "ip", "link", "add", "owrv5", "type", "veth", "peer", "name", "eth0", "netns", ns);
        await Sh.InNs(lab.NodeNetns, "ip", "link", "add", "owrv9", "type", "veth", "peer", "name", "owrpeer9");
        var inNs = Detached(["ip", "netns", "exec", ns, "/bin/sh", "-c", "setsid sleep 60 & exec sleep 60"], ns);
        var nameless = Detached(["sleep", "60"], lab.InstancePrefix + "6");
        // A worker that ran in a private mount namespace leaves just the file: the bind mount died with it.
        var deadName = lab.InstancePrefix + "7";
        await File.WriteAllBytesAsync($"/run/netns/{deadName}", []);
        await Task.Delay(300);
        Assert.Equal(2, (await Sh.Run("ip", "netns", "pids", ns)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var cleanup = await node.Runtime.CleanUpLeftoversAsync();

        Assert.Equal([ns, deadName], cleanup.Namespaces.Order());
        Assert.False(File.Exists($"/run/netns/{deadName}"));
        Assert.Contains("owrv9", cleanup.Veths);
        Assert.True(cleanup.ProcessesKilled >= 3, $"killed {cleanup.ProcessesKilled}");
        Assert.True(inNs.WaitForExit(5000));
        Assert.True(nameless.WaitForExit(5000));
        Assert.DoesNotContain(ns, await Sh.NetnsNames());
        Assert.DoesNotContain("owrpeer9", await Sh.Links(lab.NodeNetns));
        await lab.AssertNoInstanceLeftoversAsync();

        // and the runtime works normally afterwards
        await node.Runtime.StartAsync(Launch("after", "exec sleep 60"));
        await node.Statuses.WaitAsync("after", Running);
    }

    private static Process Detached(string[] command, string netnsTag)
    {
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var arg in command.Skip(1)) info.ArgumentList.Add(arg);
        info.Environment[InstanceEnvironment.NetnsVariable] = netnsTag;
        return Process.Start(info)!;
    }
}
