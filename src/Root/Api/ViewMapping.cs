using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Entities.Sites;

namespace Oakestra.Actors.Root.Api;

/// <summary>Entity state → the JSON shapes of docs/API.md.</summary>
public static class ViewMapping
{
    public static ServiceView ToView(this ServiceState s)
    {
        var d = s.Descriptor;
        return new ServiceView(
            s.Id, d?.Application ?? "", d?.ApplicationNamespace ?? "", d?.Name ?? "", d?.Namespace ?? "", s.Version,
            d?.Code, d?.Port, d?.Virtualization,
            s.Addresses.Select(a => new ServiceIpView(a.Policy, a.V4?.ToString(), a.V6?.ToString())).ToArray(),
            s.Instances.Select(i => i.ToView(s.Id, s.DetailOf(i.InstanceId))).ToArray(),
            d?.Ports?.Select(p => new PortView(p.HostPort, p.InstancePort, p.Protocol)).ToArray(),
            d?.Command, d?.Environment, d?.OneShot ?? false,
            d?.Limits?.MemoryBytes is { } bytes ? bytes / (1024 * 1024) : null, d?.Limits?.Vcpus,
            d?.ConstraintNodes ?? (d?.ConstraintNode is { } one ? [one] : null));
    }

    /// <summary>CrashLoop: the instance failed and waits for its backoff before it is placed again.</summary>
    public static string StatusOf(InstanceStatus status, DateTimeOffset? nextAttemptAt) =>
        status is InstanceStatus.Failed or InstanceStatus.Pending && nextAttemptAt > DateTimeOffset.UtcNow ? "CrashLoop" : status.ToString();

    public static InstanceView ToView(this InstanceRoute i, string serviceId, InstanceDetail detail) => new(
        i.InstanceId, serviceId, i.Number, StatusOf(i.Status, detail.NextAttemptAt), i.InstanceV4.ToString(), i.InstanceV6.ToString(),
        detail.Epoch, i.Owner?.ToView(), detail.MigrationTarget?.ToView(), detail.LastFailure, detail.LastFailureAt, detail.NextAttemptAt);

    public static InstanceView ToView(this InstanceState s)
    {
        var target = s.Pending is { Migration: true } p
            ? p.Reported?.ToView() ?? new PlacementView(p.Site, p.Node ?? "", null, null, null, p.Epoch)
            : null;
        var placement = s.Owner ?? (s.Pending is { Migration: false } first ? first.Reported : null);
        return new InstanceView(s.Id, s.ServiceId, s.Number, StatusOf(s.Status, s.NextAttemptAt), s.InstanceV4.ToString(), s.InstanceV6.ToString(),
            s.Epoch, placement?.ToView(), target, s.LastFailure, s.LastFailureAt, s.NextAttemptAt);
    }

    public static PlacementView ToView(this Placement p) => new(
        p.Cluster, p.Node, p.NamespaceV4?.ToString(), p.NamespaceV6?.ToString(), string.IsNullOrEmpty(p.TunnelEndpoint) ? null : p.TunnelEndpoint, p.Epoch);

    public static NodeView ToView(this NodeRecord n, int instances, DateTime? lastHeard = null) => new(
        n.Site, n.Node, n.SubnetV4.ToString(), n.SubnetV6.ToString(), n.State.ToString(), instances, n.Latitude, n.Longitude, n.TunnelEndpoint, lastHeard, n.Cordoned);
}
