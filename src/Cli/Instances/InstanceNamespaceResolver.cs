using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Instances;

/// <summary>Finds the namespace an instance runs in from what the root reports (see <see cref="InstanceNamespace"/>).</summary>
public static class InstanceNamespaceResolver
{
    /// <summary><c>--netns-prefix</c>, else <c>OAK_NETNS_PREFIX</c>, else the lab's <c>.lab/env</c>, else the worker default.</summary>
    public static string Prefix(string? option, CliContext ctx)
    {
        var prefix = option ?? (ctx.Env("OAK_NETNS_PREFIX") is { Length: > 0 } e ? e : null)
            ?? ctx.LabPaths?.ReadEnv().GetValueOrDefault("OAK_NETNS_PREFIX") ?? InstanceNamespace.DefaultPrefix;
        if (!InstanceNamespace.IsValidPrefix(prefix))
            throw new Parsing.UsageException($"namespace prefix '{prefix}' must be {InstanceNamespace.Rule}");
        return prefix;
    }

    /// <summary>Every name this resolver hands out passed <see cref="InstanceNamespace.IsValidName"/>, whoever made it up.</summary>
    public static async Task<(string Namespace, Instance Instance)> ResolveAsync(RootClient root, string instanceId, string prefix, CancellationToken ct)
    {
        var (ns, instance) = await NameAsync(root, instanceId, prefix, ct);
        if (!InstanceNamespace.IsValidName(ns))
            throw new CliFailure($"refusing to enter '{ns}' for instance {instanceId}: a namespace name must be {InstanceNamespace.Rule} (the root reported a node or namespace outside the convention)");
        return (ns, instance);
    }

    private static async Task<(string Namespace, Instance Instance)> NameAsync(RootClient root, string instanceId, string prefix, CancellationToken ct)
    {
        var instance = await root.GetAsync<Instance>($"api/v1/instances/{RootClient.Escape(instanceId)}", ct);
        var placement = instance.Placement
            ?? throw new CliFailure($"instance {instanceId} is not placed on any node (status {instance.Status ?? "unknown"})");
        if (!string.IsNullOrEmpty(placement.Netns)) return (placement.Netns, instance);
        if (string.IsNullOrEmpty(placement.Node) || string.IsNullOrEmpty(placement.NamespaceIpv4))
            throw new CliFailure($"instance {instanceId} has no node or namespace IPv4 yet (status {instance.Status ?? "unknown"})");
        var nodes = await root.GetAsync<List<Node>>("api/v1/nodes", ct);
        var node = nodes.FirstOrDefault(n => n.Name == placement.Node && (placement.Cluster is null || n.Cluster is null || n.Cluster == placement.Cluster))
            ?? throw new CliFailure($"node {placement.Node} of instance {instanceId} is not listed by the root");
        if (string.IsNullOrEmpty(node.SubnetV4)) throw new CliFailure($"node {node.Name} has no IPv4 subnet");
        try
        {
            return (InstanceNamespace.Name(prefix, node.Name, InstanceNamespace.HostNumber(placement.NamespaceIpv4, node.SubnetV4)), instance);
        }
        catch (FormatException e)
        {
            throw new CliFailure($"cannot name the namespace of {instanceId}: {e.Message}");
        }
    }
}
