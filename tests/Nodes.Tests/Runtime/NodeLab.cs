using Oakestra.Actors.WorkerNode.NodeNetwork;
using Oakestra.Actors.WorkerNode.Runtime;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>
/// One simulated worker node: a fresh network namespace (the node) with a stand-in TUN, unique names per
/// test (netns names are global; device names live inside the node namespace so they can be fixed).
/// Disposal removes every process, netns and file the test made, also after a failed assertion.
/// </summary>
internal sealed class NodeLab : IAsyncDisposable
{
    public const string Bridge = "owrbr0";
    public const string Tun = "owrtun0";
    public const string VethPrefix = "owrv";

    private int? _workerPid;

    private readonly string _prefix;

    private NodeLab(string tag, string prefix)
    {
        Tag = tag;
        _prefix = prefix;
        StateDirectory = Directory.CreateTempSubdirectory("oakt-wr-").FullName;
    }

    public string Tag { get; }
    public string NodeNetns => $"{_prefix}{Tag}-n";
    public string InstancePrefix => $"{_prefix}{Tag}-i";
    public string StateDirectory { get; }
    public NodeSubnet Subnet { get; } = NodeSubnet.Parse("10.18.0.64/26", "fc00::100/120");

    /// <param name="prefix">Start of every netns name (machine-wide): tests that must not meet other test runs use their own.</param>
    public static async Task<NodeLab> CreateAsync(bool withTun = true, string prefix = "oakt-wr-")
    {
        var lab = new NodeLab(Guid.NewGuid().ToString("N")[..6], prefix);
        try
        {
            await Sh.Run("ip", "netns", "add", lab.NodeNetns);
            await Sh.InNs(lab.NodeNetns, "ip", "link", "set", "dev", "lo", "up");
            if (withTun) await Sh.InNs(lab.NodeNetns, "ip", "tuntap", "add", "dev", Tun, "mode", "tun");
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
        return lab;
    }

    /// <summary>The node seen from outside: this test process stays in its own namespaces.</summary>
    public NodeShell Beside() => NodeShell.NamedNamespace(NodeNetns);

    /// <summary>
    /// A long-lived process started with <c>ip netns exec node</c>, like the worker in the lab, and a shell
    /// that runs every command inside its network AND mount namespace, i.e. exactly as that worker would.
    /// </summary>
    public async Task<NodeShell> InsideWorkerAsync()
    {
        if (_workerPid is null)
        {
            var worker = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip")
            {
                ArgumentList = { "netns", "exec", NodeNetns, "sleep", "infinity" },
                UseShellExecute = false,
            })!;
            _workerPid = worker.Id;
            // Wait until it has entered the node namespace (ip execs sleep after setns + unshare).
            for (var i = 0; i < 100 && (await Sh.Try("ip", "netns", "identify", worker.Id.ToString())).StandardOutput.Trim() != NodeNetns; i++)
                await Task.Delay(20);
        }
        return NodeShell.EnterProcess(_workerPid.Value);
    }

    public NodeNetworkSetup Network(NodeShell shell) =>
        new(new NodeNetworkOptions(Subnet) { BridgeName = Bridge, TunName = Tun }, shell);

    public InstanceRuntimeOptions RuntimeOptions() =>
        new("w-" + Tag, Subnet, StateDirectory)
        {
            BridgeName = Bridge,
            VethPrefix = VethPrefix,
            NamespacePrefix = InstancePrefix,
            StopGracePeriod = TimeSpan.FromSeconds(1),
            ReadinessTimeout = TimeSpan.FromSeconds(10),
        };

    /// <summary>Instance namespaces of this lab still named on the machine, and veths left in the node.</summary>
    public async Task AssertNoInstanceLeftoversAsync()
    {
        Assert.DoesNotContain((await Sh.NetnsNames()), n => n.StartsWith(InstancePrefix, StringComparison.Ordinal));
        Assert.DoesNotContain((await Sh.Links(NodeNetns)), n => n.StartsWith(VethPrefix, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        // Processes first (a netns with processes outlives its name), then names, then the node.
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var environ = await File.ReadAllTextAsync(Path.Combine(dir, "environ"));
                if (environ.Contains($"{InstanceEnvironment.NetnsVariable}={InstancePrefix}", StringComparison.Ordinal))
                    await Sh.Try("kill", "-9", pid.ToString());
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        if (_workerPid is int worker) await Sh.Try("kill", "-9", worker.ToString());
        foreach (var ns in await Sh.NetnsNames())
        {
            if (!ns.StartsWith($"{_prefix}{Tag}-", StringComparison.Ordinal)) continue;
            var pids = (await Sh.Try("ip", "netns", "pids", ns)).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var pid in pids) await Sh.Try("kill", "-9", pid.Trim());
            await Sh.Try("ip", "netns", "del", ns);
        }
        // The instances' cgroups (v1: one per controller) are machine-wide too.
        foreach (var parent in new[] { "memory", "cpu", "pids", "" }.Select(c => Path.Combine("/sys/fs/cgroup", c, "oakestra")).Where(Directory.Exists))
            foreach (var group in Directory.EnumerateDirectories(parent, InstancePrefix + "*"))
                try { Directory.Delete(group); } catch (IOException) { }
        try { Directory.Delete(StateDirectory, recursive: true); } catch (IOException) { }
    }
}
