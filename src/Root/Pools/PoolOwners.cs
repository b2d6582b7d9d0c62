namespace Oakestra.Actors.Root.Pools;

/// <summary>
/// Canonical owner ids. An owner is any string; these forms keep the kinds apart so that the owner
/// lookup of an address tells a Service IP from an Instance IP.
/// </summary>
public static class PoolOwners
{
    public static string Service(string serviceId, string policy) => $"service:{serviceId}/{policy}";
    public static string Instance(string instanceId) => $"instance:{instanceId}";
    public static string Worker(string site, string node) => $"worker:{site}/{node}";

    /// <summary>Splits an owner id into kind ("service", "instance", "worker", or "" for free-form) and the rest.</summary>
    public static (string Kind, string Id) Parse(string owner)
    {
        var colon = owner.IndexOf(':');
        return colon < 0 ? ("", owner) : (owner[..colon], owner[(colon + 1)..]);
    }

    /// <summary>For a service owner: (serviceId, policy); null for any other owner.</summary>
    public static (string ServiceId, string Policy)? AsService(string owner)
    {
        var (kind, id) = Parse(owner);
        var slash = id.LastIndexOf('/');
        return kind == "service" && slash > 0 ? (id[..slash], id[(slash + 1)..]) : null;
    }

    /// <summary>For an instance owner: the instance id; null for any other owner.</summary>
    public static string? AsInstance(string owner) => Parse(owner) is ("instance", var id) ? id : null;
}
