using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Root.Pools;

public enum PoolErrorKind
{
    /// <summary>No pool of that name is configured.</summary>
    UnknownPool,
    /// <summary>The text is not an address (or subnet) of the pool's family/shape.</summary>
    InvalidAddress,
    /// <summary>The requested address lies outside the pool's prefix.</summary>
    OutsidePool,
    /// <summary>The address is inside the pool but never handed out (e.g. the network address).</summary>
    Reserved,
    /// <summary>Another owner holds it.</summary>
    Taken,
    /// <summary>Released recently; free again after the quarantine.</summary>
    Quarantined,
    /// <summary>No free address left (the API answers 409 naming the pool).</summary>
    Exhausted,
    /// <summary>Release/lookup of an address nobody (or somebody else) holds.</summary>
    NotHeld,
    /// <summary>The pool actor did not answer in time.</summary>
    Unavailable,
}

/// <summary>An expected failure of a pool operation; <see cref="Pool"/> is always named.</summary>
public sealed record PoolError(PoolErrorKind Kind, string Pool, string Message, string? Address = null) : IClusterMessage
{
    public override string ToString() => $"{Kind} in pool {Pool}: {Message}";
}

/// <summary>
/// One address (or subnet, for the subnet pools) held by an owner. <see cref="Address"/> is the canonical
/// text ("10.30.0.1", "fdff:2000::1", "10.18.0.64/26", "fc00::100/120").
/// </summary>
public sealed record PoolLease(string Pool, string Owner, string Address)
{
    public Ipv4Address AsV4() => Ipv4Address.Parse(Address);
    public Ipv6Address AsV6() => Ipv6Address.Parse(Address);
    public Ipv4Prefix AsV4Subnet() => Ipv4Prefix.Parse(Address);
    public Ipv6Prefix AsV6Subnet() => Ipv6Prefix.Parse(Address);
}

/// <summary>The subnets of one worker, stable across restarts of the worker and the root.</summary>
public sealed record WorkerSubnets(Ipv4Prefix V4, Ipv6Prefix V6);

/// <summary>Value or expected error: pool operations never throw for an expected failure.</summary>
public readonly record struct PoolResult<T>(T? Value, PoolError? Error)
{
    public bool Ok => Error is null;
    public static PoolResult<T> Success(T value) => new(value, null);
    public static PoolResult<T> Fail(PoolError error) => new(default, error);
    public static implicit operator PoolResult<T>(PoolError error) => Fail(error);

    /// <summary>The value; throws when this is an error (for callers that already checked <see cref="Ok"/>).</summary>
    public T Get() => Ok ? Value! : throw new InvalidOperationException(Error!.ToString());

    public PoolResult<TOut> Map<TOut>(Func<T, TOut> f) => Ok ? PoolResult<TOut>.Success(f(Value!)) : PoolResult<TOut>.Fail(Error!);
}
