using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Routing;

/// <summary>
/// One change of a service's routing state, from <see cref="FromVersion"/> to <see cref="ToVersion"/>
/// (= FromVersion + 1). A receiver applies it only when its version equals FromVersion, ignores it when
/// its version is already at or past ToVersion, and asks for a full snapshot on a gap.
/// </summary>
public sealed record ServiceDelta(string ServiceId, long FromVersion, long ToVersion, IReadOnlyList<RouteChange> Changes)
    : IClusterMessage
{
    /// <summary>Applies the delta to a snapshot at FromVersion; pure.</summary>
    public ServiceRoutes ApplyTo(ServiceRoutes routes)
    {
        if (routes.ServiceId != ServiceId) throw new ArgumentException($"delta for {ServiceId} applied to {routes.ServiceId}");
        if (routes.Version != FromVersion) throw new InvalidOperationException($"delta {FromVersion}->{ToVersion} applied at version {routes.Version}");
        var result = routes with { Version = ToVersion };
        foreach (var change in Changes) result = change.ApplyTo(result);
        return result;
    }
}

/// <summary>One element of a delta. Each is idempotent: applying it twice gives the same state.</summary>
public abstract record RouteChange
{
    public abstract ServiceRoutes ApplyTo(ServiceRoutes routes);
}

public sealed record InstanceUpserted(InstanceRoute Instance) : RouteChange
{
    public override ServiceRoutes ApplyTo(ServiceRoutes routes) => routes with
    {
        Instances = routes.Instances.Where(i => i.InstanceId != Instance.InstanceId).Append(Instance)
            .OrderBy(i => i.Number).ToArray(),
    };
}

public sealed record InstanceRemoved(string InstanceId) : RouteChange
{
    public override ServiceRoutes ApplyTo(ServiceRoutes routes) => routes with
    {
        Instances = routes.Instances.Where(i => i.InstanceId != InstanceId).ToArray(),
    };
}

public sealed record AddressesChanged(IReadOnlyList<ServiceAddress> Addresses) : RouteChange
{
    public override ServiceRoutes ApplyTo(ServiceRoutes routes) => routes with { Addresses = Addresses };
}

public sealed record ServiceDeleted : RouteChange
{
    public override ServiceRoutes ApplyTo(ServiceRoutes routes) => routes with { Deleted = true, Instances = [] };
}
