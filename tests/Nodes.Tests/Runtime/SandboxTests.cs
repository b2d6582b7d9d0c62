using System.Net;
using InstanceLimits = Oakestra.Actors.Contracts.Protocol.InstanceLimits;
using Oakestra.Actors.Tests.Shared;
using Oakestra.Actors.WorkerNode.Runtime;
using Oakestra.Actors.WorkerNode.Runtime.Sandbox;
using static Oakestra.Actors.WorkerNode.Runtime.InstanceStatus;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>
/// Issue 12 items 5 and 6: a process instance is unprivileged, in namespaces of its own, limited by cgroups, sees
/// only its own variables, and cannot send as a co-located instance. Private names: netns prefix oakw-.
/// </summary>
public class SandboxTests
{
    private const string Prefix = "oakw-";

    private static void RequiresSandboxTools()
    {
        Requires.RootWithNetns();
        string? missing = null;
        foreach (var tool in new[] { "nft", "unshare", "setpriv", "nsenter", "socat" })
            if (!new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Any(d => File.Exists(Path.Combine(d, tool)))) missing ??= $"{tool} is not installed";
        if (!File.Exists("/sys/fs/cgroup/memory/cgroup.procs") && !File.Exists("/sys/fs/cgroup/cgroup.controllers")) missing ??= "no memory cgroup controller";
        if (missing is null) return;
        if (Requires.InCi) Assert.Fail($"CI must run the sandbox tests, but {missing}.");
        Skip.If(true, $"sandbox tests need: {missing}");
    }

    private static InstanceLaunch Launch(string id, string code, IReadOnlyDictionary<string, string>? environment = null, InstanceLimits? limits = null) =>
        InstanceRuntimeTests.Launch(id, code) with { Environment = environment, Limits = limits };

    private static Task<RuntimeNode> NodeAsync(Func<InstanceRuntimeOptions, InstanceRuntimeOptions>? configure = null) =>
        RuntimeNode.CreateAsync(configure, prefix: Prefix, reset: true);

    private static async Task<string> ExecAsync(InstanceRuntime runtime, string id, params string[] command)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var code = await runtime.ExecAsync(id, command, new ExecStreams(null, stdout, stderr));
        var text = System.Text.Encoding.UTF8.GetString(stdout.ToArray());
        Assert.True(code == 0, $"exec {string.Join(' ', command)} exited {code}: {text}{System.Text.Encoding.UTF8.GetString(stderr.ToArray())}");
        return text;
    }

    [SkippableFact]
    public async Task Instance_cannot_read_or_kill_the_worker_enter_another_instance_or_write_the_host()
    {
        RequiresSandboxTools();
        Environment.SetEnvironmentVariable("OAKW_WORKER_SECRET", "worker-only");
        await using var node = await NodeAsync();
        var other = await node.Runtime.StartAsync(Launch("other", "exec sleep 60"));
        var worker = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        const string probes =
            "echo uid=$(id -u) gid=$(id -g); " +
            "cat /proc/$WORKER/environ >/dev/null 2>&1 && echo environ=READ || echo environ=refused; " +
            "nsenter --net=/run/netns/$OTHER true 2>/dev/null && echo nsenter=ENTERED || echo nsenter=refused; " +
            "kill -9 $WORKER 2>/dev/null && echo kill=KILLED || echo kill=refused; " +
            "touch /etc/oak-x 2>/dev/null && echo touch=WROTE || echo touch=refused; " +
            "echo secret=${OAKW_WORKER_SECRET:-none} sla=$SLA_VAR path=$PATH; " +
            "echo hostname=$(hostname) pid1=$(cat /proc/1/comm); " +
            "echo state=$(ls -A $STATE | wc -l); echo probed; exec sleep 60";
        var info = await node.Runtime.StartAsync(Launch("prober", probes, new Dictionary<string, string>
        {
            ["WORKER"] = worker, ["OTHER"] = other.NetworkNamespace, ["STATE"] = node.Lab.StateDirectory, ["SLA_VAR"] = "from-the-sla",
        }));
        await node.Statuses.WaitAsync("prober", Running);
        var log = await InstanceRuntimeTests.WaitForLogAsync(info.LogPath, "probed");

        Assert.Contains("uid=65534 gid=65534", log);
        Assert.Contains("environ=refused", log);
        Assert.Contains("nsenter=refused", log);
        Assert.Contains("kill=refused", log);
        Assert.Contains("touch=refused", log);
        Assert.False(File.Exists("/etc/oak-x"));
        Assert.Contains($"secret=none sla=from-the-sla path={SandboxOptions.DefaultPath}", log); // not the worker's environment
        Assert.Contains($"hostname={info.NetworkNamespace} pid1=sh", log);                     // own UTS and PID namespaces
        Assert.Contains("state=0", log);                                                        // the worker's folders are hidden
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, new FileInfo(info.LogPath).UnixFileMode); // other instances' users cannot read it

        // oak exec lands in the same sandbox: user, PID namespace, host name and variables of the instance.
        var exec = await ExecAsync(node.Runtime, "prober", "/bin/sh", "-c",
            "echo $(id -u) $(hostname) $(cat /proc/1/comm) $SLA_VAR ${OAKW_WORKER_SECRET:-none}; kill -9 $WORKER 2>/dev/null || echo kill-refused");
        Assert.Equal($"65534 {info.NetworkNamespace} sh from-the-sla none\nkill-refused\n", exec);

        // Stop still works (SIGTERM reaches the code although PID 1 of the namespace is the sandbox's shell).
        Assert.True(await node.Runtime.StopAsync("prober"));
        Assert.Equal(128 + 15, node.Statuses.For("prober")[^1].ExitCode);
        Assert.True(await node.Runtime.StopAsync("other"));
        await node.Lab.AssertNoInstanceLeftoversAsync();
        Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/oakestra/{info.NetworkNamespace}"));
        Assert.Empty(node.Warnings); // nft and the cgroup controllers were there
    }

    [SkippableFact]
    public async Task Limits_are_written_to_the_instance_cgroup_and_a_process_over_its_memory_is_killed()
    {
        RequiresSandboxTools();
        Skip.IfNot(File.Exists("/sys/fs/cgroup/memory/cgroup.procs") || Requires.InCi, "checks cgroup v1 files");
        await using var node = await NodeAsync();
        var limited = await node.Runtime.StartAsync(Launch("limited", "echo started; exec sleep 60",
            limits: new InstanceLimits(MemoryBytes: 64L << 20, Vcpus: 0.5, Pids: 40)));
        var plain = await node.Runtime.StartAsync(Launch("plain", "exec sleep 60"));
        await node.Statuses.WaitAsync("limited", Running);

        string Cgroup(string controller, InstanceInfo i, string file) =>
            File.ReadAllText($"/sys/fs/cgroup/{controller}/oakestra/{i.NetworkNamespace}/{file}").Trim();
        Assert.Equal((64L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), Cgroup("memory", limited, "memory.limit_in_bytes"));
        Assert.Equal("50000", Cgroup("cpu", limited, "cpu.cfs_quota_us"));
        Assert.Equal("40", Cgroup("pids", limited, "pids.max"));
        Assert.Equal("1024", Cgroup("pids", plain, "pids.max")); // the default pids limit
        Assert.Contains(limited.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Cgroup("memory", limited, "cgroup.procs").Split('\n'));

        // 200 MB buffer in a 32 MB instance: the kernel's OOM killer ends it, the instance fails with SIGKILL's code.
        await node.Runtime.StartAsync(Launch("hog", "echo allocating; exec dd if=/dev/zero of=/dev/null bs=200M count=1",
            limits: new InstanceLimits(MemoryBytes: 32L << 20)));
        var failed = await node.Statuses.WaitAsync("hog", Failed);
        Assert.Equal(128 + 9, failed.ExitCode);

        // Processes beyond the pids limit cannot be created (an exec joins the instance's cgroup too).
        await node.Runtime.ExecAsync("limited", ["/bin/sh", "-c", "i=0; while [ $i -lt 60 ]; do sleep 3 & i=$((i+1)); done"],
            new ExecStreams(null, Stream.Null, Stream.Null));
        var refused = Cgroup("pids", limited, "pids.events").Split(' ', '\n');
        Assert.True(refused.Length == 2 && refused[0] == "max" && int.Parse(refused[1], System.Globalization.CultureInfo.InvariantCulture) > 0,
            $"pids.events: {string.Join(' ', refused)}");
    }

    [SkippableFact]
    public async Task Instance_configured_with_another_instances_address_gets_nothing_through_with_it()
    {
        RequiresSandboxTools();
        await using var node = await NodeAsync();
        var a = await node.Runtime.StartAsync(Launch("a", "exec sleep 60"));
        var b = await node.Runtime.StartAsync(Launch("b", "exec sleep 60"));
        var c = await node.Runtime.StartAsync(Launch("c", "exec socat -u UDP6-RECV:9000,ipv6only=0 -"));
        await node.Statuses.WaitAsync("c", Running);
        for (var i = 0; i < 100 && !(await Sh.InNs(c.NetworkNamespace, "ss", "-Hlun")).Contains(":9000", StringComparison.Ordinal); i++)
            await Task.Delay(50);
        var tables = await Sh.InNs(node.Lab.NodeNetns, "nft", "list", "table", "bridge", "oak_guard");
        foreach (var i in new[] { a, b, c }) Assert.Contains($"\"{i.HostVeth}\" : jump port_{i.HostVeth}", tables);

        // Root in B's namespace (what a compromised or container instance could do): A's addresses on B's eth0,
        // and C's MAC known without ARP, so the spoofed frames really leave B.
        var cMac = (await Sh.InNs(c.NetworkNamespace, "cat", "/sys/class/net/eth0/address")).Trim();
        await Sh.InNs(b.NetworkNamespace, "ip", "addr", "add", $"{a.NamespaceIpv4}/32", "dev", "eth0");
        await Sh.InNs(b.NetworkNamespace, "ip", "-6", "addr", "add", $"{a.NamespaceIpv6}/128", "dev", "eth0", "nodad");
        await Sh.InNs(b.NetworkNamespace, "ip", "neigh", "replace", c.NamespaceIpv4.ToString(), "lladdr", cMac, "dev", "eth0");
        await Sh.InNs(b.NetworkNamespace, "ip", "-6", "neigh", "replace", c.NamespaceIpv6.ToString(), "lladdr", cMac, "dev", "eth0");

        async Task SendAsync(IPAddress from, IPAddress to, string payload)
        {
            var target = to.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? $"UDP4:{to}:9000,bind={from}" : $"UDP6:[{to}]:9000,bind=[{from}]";
            await Sh.Run("ip", "netns", "exec", b.NetworkNamespace, "/bin/sh", "-c", $"echo {payload} | socat -u - {target}");
        }
        await SendAsync(a.NamespaceIpv4, c.NamespaceIpv4, "spoofed-v4");
        await SendAsync(a.NamespaceIpv6, c.NamespaceIpv6, "spoofed-v6");
        await SendAsync(b.NamespaceIpv4, c.NamespaceIpv4, "honest-v4");
        await SendAsync(b.NamespaceIpv6, c.NamespaceIpv6, "honest-v6");

        var log = await InstanceRuntimeTests.WaitForLogAsync(c.LogPath, "honest-v6");
        Assert.Contains("honest-v4", log);
        Assert.DoesNotContain("spoofed", log);
        // Nor does the node answer B as if it were A: a ping from A's address to the gateway gets no reply.
        Assert.False((await Sh.Try("ip", "netns", "exec", b.NetworkNamespace, "ping", "-c1", "-W1", "-I", a.NamespaceIpv4.ToString(), "10.18.0.65")).Succeeded);
        Assert.True((await Sh.Try("ip", "netns", "exec", b.NetworkNamespace, "ping", "-c1", "-W2", "-I", b.NamespaceIpv4.ToString(), "10.18.0.65")).Succeeded);

        // Rules go with the instance.
        Assert.True(await node.Runtime.StopAsync("b"));
        Assert.DoesNotContain(b.HostVeth, await Sh.InNs(node.Lab.NodeNetns, "nft", "list", "table", "bridge", "oak_guard"));
    }

    [SkippableFact]
    public async Task Guard_rules_of_a_crashed_run_are_replaced_at_start_and_adopted_instances_stay_guarded()
    {
        RequiresSandboxTools();
        await using var node = await NodeAsync();
        var kept = await node.Runtime.StartAsync(Launch("kept", "exec sleep 60"));
        await node.Statuses.WaitAsync("kept", Running);
        // A leftover chain for a port no instance has any more, as a crash would leave it.
        await Sh.InNs(node.Lab.NodeNetns, "nft", "add", "chain", "bridge", "oak_guard", "port_owrv40");
        node.Runtime.Detach();

        var next = new InstanceRuntime(node.Lab.RuntimeOptions(), node.Lab.Beside());
        try
        {
            var adoption = await next.AdoptAsync();
            Assert.Equal(["kept"], adoption.Adopted.Select(i => i.Launch.InstanceId));
            var table = await Sh.InNs(node.Lab.NodeNetns, "nft", "list", "table", "bridge", "oak_guard");
            Assert.Contains($"\"{kept.HostVeth}\" : jump port_{kept.HostVeth}", table);
            Assert.DoesNotContain("port_owrv40", table);
            // exec finds the sandbox of an instance it did not start
            Assert.Equal("65534\n", await ExecAsync(next, "kept", "id", "-u"));
            Assert.True(await next.StopAsync("kept"));
        }
        finally { await next.DisposeAsync(); }
    }

    [SkippableFact]
    public async Task Large_log_is_rotated_in_place()
    {
        RequiresSandboxTools();
        await using var node = await NodeAsync(o => o with { LogMaxBytes = 64 * 1024, LogCheckInterval = TimeSpan.FromMilliseconds(200) });
        var info = await node.Runtime.StartAsync(Launch("chatty",
            "i=0; while [ $i -lt 4000 ]; do echo line-$i-................................................; i=$((i+1)); done; echo first-burst; " +
            "sleep 1; echo after-rotation; exec sleep 60"));
        await InstanceRuntimeTests.WaitForLogAsync(info.LogPath, "after-rotation");
        Assert.True(File.Exists(info.LogPath + ".1"));
        Assert.True(new FileInfo(info.LogPath).Length < 64 * 1024);
        Assert.StartsWith(node.Lab.StateDirectory, info.LogPath);
    }

    [Fact]
    public void Namespace_prefix_outside_the_projects_characters_is_refused()
    {
        var subnet = WorkerNode.NodeNetwork.NodeSubnet.Parse("10.18.0.64/26", "fc00::100/120");
        var e = Assert.Throws<ArgumentException>(() => new InstanceRuntime(
            new InstanceRuntimeOptions("w1", subnet, "/tmp/none") { NamespacePrefix = "../../proc/1/ns/" }, WorkerNode.Shell.NodeShell.Current()));
        Assert.Contains("letters, digits", e.Message);
    }
}
