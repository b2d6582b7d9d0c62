using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Root.Entities;

/// <summary>Why an allocation failed: a requested address is held by someone, the pool is full, or the address is not in it.</summary>
public enum AllocationFailureKind { Taken, Exhausted, OutOfRange }

public sealed record AllocationFailure(AllocationFailureKind Kind, string Pool, string Message);

public readonly record struct Allocation<T>(T Value, AllocationFailure? Failure)
{
    public bool Ok => Failure is null;
}

/// <summary>
/// The root's view of the address pools (DESIGN §2). Entities and the control plane only allocate and
/// release through this port; the pools themselves (one persistent single writer per pool) live behind it.
/// Pool names: <see cref="PoolNames"/>.
/// </summary>
public interface IAddressAllocator
{
    Task<Allocation<Ipv4Address>> AllocateV4Async(string pool, Ipv4Address? requested, CancellationToken ct);
    Task<Allocation<Ipv6Address>> AllocateV6Async(string pool, Ipv6Address? requested, CancellationToken ct);

    /// <summary><paramref name="quarantine"/> false only to roll back an allocation nobody ever saw.</summary>
    void ReleaseV4(string pool, Ipv4Address address, bool quarantine);
    void ReleaseV6(string pool, Ipv6Address address, bool quarantine);

    Task<IReadOnlyList<string>> PreviewAsync(string pool, int count, CancellationToken ct);

    /// <summary>The worker subnets of (site, node); the same ones again for a known node.</summary>
    Task<Allocation<(Ipv4Prefix V4, Ipv6Prefix V6)>> AssignWorkerSubnetsAsync(string site, string node, CancellationToken ct);
}

/// <summary>Pool names as the API and errors show them.</summary>
public static class PoolNames
{
    /// <summary>One IPv4 pool for every policy's Service IP and for Instance IPs, as the reference.</summary>
    public const string ServiceV4 = "service_v4";
    public const string InstanceV6 = "instance_v6";

    public static string PolicyV6(string policy) => $"{policy}_v6";

    /// <summary>The API's <c>pool=instance|round_robin|closest&amp;v=4|6</c> to a pool name.</summary>
    public static string FromApi(string pool, int ipVersion) =>
        ipVersion == 4 ? ServiceV4 : pool == "instance" ? InstanceV6 : PolicyV6(pool);
}
