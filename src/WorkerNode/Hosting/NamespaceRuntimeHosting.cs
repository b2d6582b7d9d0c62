using Oakestra.Actors.Contracts.Addressing;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.DataPlane.Tunnel;
using Oakestra.Actors.WorkerNode.Adapters;
using Oakestra.Actors.WorkerNode.Ports;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.WorkerNode.Hosting;

public static class NamespaceRuntimeHosting
{
    /// <summary>
    /// The real node: the TUN/tunnel forwarding loop as <see cref="IDataPlane"/> and the namespace runtime as
    /// <see cref="IInstanceHost"/>, reading Oak:Node:* (TunName, NamespacePrefix, StateDir, Offload,
    /// NetnsMountNamespace, LogDir, LogMaxBytes, Sandbox:*). Both are disposed by the host on shutdown: instances stopped, bridge and routes
    /// removed, TUN closed.
    /// </summary>
    public static IServiceCollection AddNamespaceRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        var oak = configuration.GetSection("Oak:Node");
        var settings = WorkerHosting.SettingsFrom(configuration);
        var tunName = oak["TunName"] is { Length: > 0 } t ? t : "oak0";
        // The port of the endpoint the worker registers, whether its host is an address or a name (w1.example:50200).
        var tunnelPort = TunnelPortOf(settings.TunnelEndpoint);
        var prefix = oak["NamespacePrefix"] is { Length: > 0 } p ? p : "oak-";
        var stateDir = oak["StateDir"] is { Length: > 0 } s ? s : $"/run/oakestra/{settings.Node}";

        var security = TunnelHosting.SecurityFrom(configuration);
        services.AddSingleton(_ => TunnelHosting.IdentityFrom(stateDir));
        services.AddSingleton(sp =>
        {
            if (security == TunnelSecurity.None)
                sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ForwardingDataPlane)).LogWarning(
                    "Oak:Tunnel:Security = none: tunnel datagrams are neither encrypted nor authenticated; any host that can send from a peer's address is believed (benchmarks only)");
            return new ForwardingDataPlane(new ForwardingDataPlaneOptions
            {
                TunName = tunName,
                TunnelPort = tunnelPort,
                Offload = !string.Equals(oak["Offload"], "false", StringComparison.OrdinalIgnoreCase),
                Security = security,
                Identity = sp.GetRequiredService<TunnelIdentity>(),
            });
        });
        services.AddSingleton<IDataPlane>(sp => sp.GetRequiredService<ForwardingDataPlane>());
        services.AddSingleton(new NodeHostOptions(stateDir)
        {
            TunName = tunName,
            // `oak exec` finds instance namespaces as <prefix><node>-i<host>, host = the Namespace IPv4's offset.
            NamespacePrefix = $"{prefix}{settings.Node}-i",
            NetnsMountNamespace = oak["NetnsMountNamespace"] is { Length: > 0 } m ? m : MachineMountNamespaceIfPrivate(),
            KeepInstancesOnExit = OnExit(oak["OnExit"]),
            Sandbox = SandboxFrom(oak.GetSection("Sandbox")),
            // Logs belong with the node's data, not in /run (memory): next to an explicitly set StateDir (the lab's),
            // else under /var/lib/oakestra/<node>.
            LogDirectory = oak["LogDir"] is { Length: > 0 } logs ? logs
                : oak["StateDir"] is { Length: > 0 } ? null : $"/var/lib/oakestra/{settings.Node}/instances",
            LogMaxBytes = oak["LogMaxBytes"] is { Length: > 0 } max ? long.Parse(max, System.Globalization.CultureInfo.InvariantCulture) : 10 * 1024 * 1024,
            Containerd = new Runtime.Containers.ContainerdOptions(
                oak["Containerd:Address"] is { Length: > 0 } address ? address : Runtime.Containers.ContainerdOptions.DefaultAddress,
                oak["Containerd:Namespace"] is { Length: > 0 } ns ? ns : Runtime.Containers.ContainerdOptions.DefaultNamespace),
        });
        services.AddSingleton(_ => NodeShell.Current());
        services.AddSingleton(sp => new NamespaceInstanceHost(
            sp.GetRequiredService<NodeHostOptions>(), sp.GetRequiredService<NodeShell>(),
            sp.GetRequiredService<ILogger<NamespaceInstanceHost>>()));
        services.AddSingleton<IInstanceHost>(sp => sp.GetRequiredService<NamespaceInstanceHost>());
        return services;
    }

    /// <summary>Oak:Node:Sandbox:* (Enabled, Uid, Gid, DefaultPids, Path, Home, CgroupParent, CgroupRoot, HiddenPaths:0…).</summary>
    public static Runtime.Sandbox.SandboxOptions SandboxFrom(IConfigurationSection sandbox)
    {
        var defaults = new Runtime.Sandbox.SandboxOptions();
        int Int(string key, int fallback) => sandbox[key] is { Length: > 0 } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
        var options = new Runtime.Sandbox.SandboxOptions
        {
            Enabled = sandbox["Enabled"] is not { Length: > 0 } enabled || bool.Parse(enabled),
            Uid = Int("Uid", defaults.Uid),
            Gid = Int("Gid", defaults.Gid),
            DefaultPids = Int("DefaultPids", defaults.DefaultPids),
            Path = sandbox["Path"] is { Length: > 0 } path ? path : defaults.Path,
            Home = sandbox["Home"] is { Length: > 0 } home ? home : defaults.Home,
            CgroupParent = sandbox["CgroupParent"] is { Length: > 0 } parent ? parent : defaults.CgroupParent,
            CgroupRoot = sandbox["CgroupRoot"] is { Length: > 0 } root ? root : null,
            HiddenPaths = [.. sandbox.GetSection("HiddenPaths").GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0)],
        };
        options.Validate();
        return options;
    }

    private static bool OnExit(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "keep" => true,
        "stop" => false,
        _ => throw new ArgumentException($"Oak:Node:OnExit must be keep or stop, not '{value}'"),
    };

    /// <summary>
    /// A worker started with `ip netns exec` runs in a private mount namespace: instance namespaces it names
    /// there would be invisible to the rest of the machine (and to `oak exec`). Create them in PID 1's mount
    /// namespace instead; they propagate back into ours.
    /// </summary>
    private static string? MachineMountNamespaceIfPrivate()
    {
        try
        {
            var mine = new FileInfo("/proc/self/ns/mnt").ResolveLinkTarget(false)?.ToString();
            var machine = new FileInfo("/proc/1/ns/mnt").ResolveLinkTarget(false)?.ToString();
            return mine is not null && machine is not null && mine != machine ? "/proc/1/ns/mnt" : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The port the tunnel listens on: the one the registered endpoint names, else the default.</summary>
    public static int TunnelPortOf(string? endpoint) =>
        EndpointText.TrySplit(endpoint, out _, out var port) ? port : Oakestra.Actors.DataPlane.Tunnel.UdpTunnelOptions.DefaultPort;
}
