using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Entities.Audit;

/// <summary>What the audit does with one unconfirmed holding, once its service has answered.</summary>
public enum AuditVerdict
{
    /// <summary>Its owner holds it: confirm it in the pool.</summary>
    Held,
    /// <summary>Nobody holds it: reclaim it (into quarantine).</summary>
    Orphan,
    /// <summary>An Instance IP of an instance its service does not list: undeploy that instance, then reclaim.</summary>
    OrphanInstance,
    /// <summary>Not a Service or Instance IP (a worker's subnet, a free-form owner): not the audit's business.</summary>
    NotAudited,
}

/// <summary>
/// The decisions of the address audit, pure: which service answers for a holding, and whether that service's
/// persisted state holds it. The owner entity's journal is the truth: an address is held when the Service that owns
/// it (its Service IPs, its instances' Instance IPs) says so, whatever the pool remembers.
/// </summary>
public static class AddressAudit
{
    /// <summary>The service whose state decides about <paramref name="holding"/>; null when the audit leaves it alone.</summary>
    public static string? ServiceOf(UnconfirmedHolding holding)
    {
        if (PoolOwners.AsService(holding.Owner) is { } s) return s.ServiceId;
        // Instance ids are "<service id>.<number>" (ServiceActor numbers them).
        if (PoolOwners.AsInstance(holding.Owner) is { } instance && instance.LastIndexOf('.') is var dot and > 0) return instance[..dot];
        return null;
    }

    /// <param name="service">The service's state (also when it was deleted: <see cref="ServiceState.NextNumber"/> stays), or null when unknown.</param>
    public static AuditVerdict Judge(string pool, UnconfirmedHolding holding, ServiceState? service)
    {
        if (ServiceOf(holding) is null) return AuditVerdict.NotAudited;
        var exists = service is { Exists: true };
        if (PoolOwners.AsService(holding.Owner) is { } owner)
        {
            var held = exists && service!.Addresses.Any(a => a.Policy == owner.Policy && Same(pool, holding.Address, a.V4, a.V6));
            return held ? AuditVerdict.Held : AuditVerdict.Orphan;
        }
        var id = PoolOwners.AsInstance(holding.Owner)!;
        var route = exists ? service!.Instances.Find(i => i.InstanceId == id) : null;
        if (route is not null) return Same(pool, holding.Address, route.InstanceV4, route.InstanceV6) ? AuditVerdict.Held : AuditVerdict.Orphan;
        // Not listed. A number below NextNumber was listed once (InstancesAdded) and removed since: its entity may still
        // run a placement whose stop was lost, so it is undeployed. A number not yet handed out never reached an entity;
        // a retried request may be creating it right now, so only the address is reclaimed (which that retry's own
        // allocation protects: it touches the holding).
        return service is not null && NumberOf(id) is { } n && n < service.NextNumber ? AuditVerdict.OrphanInstance : AuditVerdict.Orphan;
    }

    private static int? NumberOf(string instanceId) =>
        int.TryParse(instanceId.AsSpan(instanceId.LastIndexOf('.') + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    private static bool Same(string pool, string address, Ipv4Address? v4, Ipv6Address? v6) =>
        pool == PoolNames.ServiceV4
            ? v4 is { } a && Ipv4Address.TryParse(address, out var x) && x == a
            : v6 is { } b && Ipv6Address.TryParse(address, out var y) && y == b;
}
