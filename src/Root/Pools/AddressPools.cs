using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Root.Pools;

/// <summary>Marker for the pool shard region in the ActorRegistry.</summary>
public sealed class AddressPoolRegion;

/// <summary>
/// What the rest of the root uses to get addresses. Each call is one ask to the pool's single writer
/// (a sharded persistent entity); expected failures come back as <see cref="PoolError"/>, never as
/// exceptions, and a pool that does not answer in time gives <see cref="PoolErrorKind.Unavailable"/>.
/// </summary>
public sealed class AddressPools
{
    private readonly Func<CancellationToken, Task<IActorRef>> _region;
    private readonly PoolSettings _settings;

    public AddressPools(IRequiredActor<AddressPoolRegion> region, PoolCatalog catalog, PoolSettings settings)
        : this(ct => region.GetAsync(ct), catalog, settings) { }

    public AddressPools(IActorRef region, PoolCatalog catalog, PoolSettings settings)
        : this(_ => Task.FromResult(region), catalog, settings) { }

    private AddressPools(Func<CancellationToken, Task<IActorRef>> region, PoolCatalog catalog, PoolSettings settings)
    {
        _region = region;
        Catalog = catalog;
        _settings = settings;
    }

    public PoolCatalog Catalog { get; }

    /// <summary>
    /// Next free address of <paramref name="pool"/> for <paramref name="owner"/>, or exactly
    /// <paramref name="requested"/> (validated: in the pool, not reserved, not taken, not quarantined;
    /// already held by the same owner = success). <paramref name="reuseIfHeld"/> answers with an address the
    /// owner already holds in this pool, so repeated calls are idempotent.
    /// </summary>
    public Task<PoolResult<PoolLease>> AllocateAsync(
        string pool, string owner, string? requested = null, bool reuseIfHeld = false, CancellationToken ct = default) =>
        AskAsync<AddressAllocated, PoolLease>(new AllocateAddress(pool, owner, requested, reuseIfHeld), r => r.Lease, ct);

    /// <summary>An IPv4 Service or Instance IP from <see cref="PoolNames.ServiceV4"/>.</summary>
    public async Task<PoolResult<Ipv4Address>> AllocateV4Async(
        string owner, Ipv4Address? requested = null, bool reuseIfHeld = false, CancellationToken ct = default) =>
        (await AllocateAsync(PoolNames.ServiceV4, owner, requested?.ToString(), reuseIfHeld, ct)).Map(l => l.AsV4());

    /// <summary>An IPv6 address from <paramref name="pool"/> (<see cref="PoolNames.InstanceV6"/> or a <see cref="PoolNames.PolicyV6"/> pool).</summary>
    public async Task<PoolResult<Ipv6Address>> AllocateV6Async(
        string pool, string owner, Ipv6Address? requested = null, bool reuseIfHeld = false, CancellationToken ct = default) =>
        (await AllocateAsync(pool, owner, requested?.ToString(), reuseIfHeld, ct)).Map(l => l.AsV6());

    /// <summary>
    /// The worker's /26 and /120 (owner <see cref="PoolOwners.Worker"/>): the same ones again for a worker
    /// that already has them, so they survive restarts of the worker and the root.
    /// </summary>
    public async Task<PoolResult<WorkerSubnets>> AllocateSubnetsAsync(string site, string node, CancellationToken ct = default)
    {
        var owner = PoolOwners.Worker(site, node);
        var v4 = await AllocateAsync(PoolNames.SubnetV4, owner, reuseIfHeld: true, ct: ct);
        if (!v4.Ok) return v4.Error!;
        var v6 = await AllocateAsync(PoolNames.SubnetV6, owner, reuseIfHeld: true, ct: ct);
        if (!v6.Ok) return v6.Error!;
        return PoolResult<WorkerSubnets>.Success(new WorkerSubnets(v4.Value!.AsV4Subnet(), v6.Value!.AsV6Subnet()));
    }

    /// <summary>
    /// Releases one address (only if <paramref name="owner"/> holds it, when given). Into quarantine unless
    /// <paramref name="quarantine"/> is false (an allocation that was never announced to anyone).
    /// </summary>
    public Task<PoolResult<PoolLease>> ReleaseAsync(
        string pool, string address, string? owner = null, bool quarantine = true, CancellationToken ct = default) =>
        AskAsync<AddressesReleased, PoolLease>(new ReleaseAddress(pool, address, owner, quarantine), r => r.Leases[0], ct);

    /// <summary>Releases everything <paramref name="owner"/> holds in <paramref name="pool"/> (an empty list when nothing).</summary>
    public Task<PoolResult<IReadOnlyList<PoolLease>>> ReleaseOwnerAsync(
        string pool, string owner, bool quarantine = true, CancellationToken ct = default) =>
        AskAsync<AddressesReleased, IReadOnlyList<PoolLease>>(new ReleaseOwner(pool, owner, quarantine), r => r.Leases, ct);

    /// <summary>Releases everything <paramref name="owner"/> holds in every pool; stops at the first failing pool.</summary>
    public async Task<PoolResult<IReadOnlyList<PoolLease>>> ReleaseOwnerEverywhereAsync(
        string owner, bool quarantine = true, CancellationToken ct = default)
    {
        var all = new List<PoolLease>();
        foreach (var pool in Catalog.All)
        {
            var r = await ReleaseOwnerAsync(pool.Name, owner, quarantine, ct);
            if (!r.Ok) return r;
            all.AddRange(r.Value!);
        }
        return PoolResult<IReadOnlyList<PoolLease>>.Success(all);
    }

    /// <summary>The next <paramref name="count"/> addresses an allocation would hand out; nothing is reserved.</summary>
    public Task<PoolResult<IReadOnlyList<string>>> PreviewAsync(string pool, int count, CancellationToken ct = default) =>
        AskAsync<AddressesPreviewed, IReadOnlyList<string>>(new PreviewAddresses(pool, count), r => r.Addresses, ct);

    /// <summary>Who holds <paramref name="address"/> in <paramref name="pool"/>; NotHeld when nobody.</summary>
    public Task<PoolResult<PoolLease>> OwnerOfAsync(string pool, string address, CancellationToken ct = default) =>
        AskAsync<AddressOwner, PoolLease>(new LookupOwner(pool, address), r => r.Lease, ct);

    /// <summary>
    /// Who holds a Service or Instance IP, v4 or v6, whichever address pool contains it (for table
    /// queries: the owner id says service + policy or instance, see <see cref="PoolOwners"/>).
    /// </summary>
    public Task<PoolResult<PoolLease>> OwnerOfAsync(IPAddress address, CancellationToken ct = default)
    {
        var pool = Catalog.AddressPoolContaining(address);
        return pool is null
            ? Task.FromResult(PoolResult<PoolLease>.Fail(new PoolError(PoolErrorKind.OutsidePool, "*", $"{address} is in no address pool", address.ToString())))
            : OwnerOfAsync(pool.Name, address.ToString(), ct);
    }

    /// <summary>What <paramref name="owner"/> holds in <paramref name="pool"/>, lowest first.</summary>
    public Task<PoolResult<IReadOnlyList<PoolLease>>> HoldingsAsync(string pool, string owner, CancellationToken ct = default) =>
        AskAsync<OwnerHoldings, IReadOnlyList<PoolLease>>(new ListHoldings(pool, owner), r => r.Leases, ct);

    /// <summary>Every holding of <paramref name="pool"/>, lowest first, read page by page.</summary>
    public async Task<PoolResult<IReadOnlyList<PoolLease>>> HeldAsync(string pool, CancellationToken ct = default)
    {
        var all = new List<PoolLease>();
        string? after = null;
        while (true)
        {
            var page = await AskAsync<HeldAddresses, HeldAddresses>(new ListHeld(pool, after, 1000), r => r, ct);
            if (!page.Ok) return page.Error!;
            all.AddRange(page.Value!.Holdings);
            if (!page.Value.More || page.Value.Holdings.Count == 0) return PoolResult<IReadOnlyList<PoolLease>>.Success(all);
            after = page.Value.Holdings[^1].Address;
        }
    }

    /// <summary>One page of <paramref name="pool"/>'s holdings nobody confirmed that are older than <paramref name="olderThan"/>.</summary>
    public Task<PoolResult<UnconfirmedHoldings>> UnconfirmedAsync(string pool, TimeSpan olderThan, string? after, int limit, CancellationToken ct = default) =>
        AskAsync<UnconfirmedHoldings, UnconfirmedHoldings>(new ListUnconfirmed(pool, olderThan, after, limit), r => r, ct);

    /// <summary>Their owners hold them: not listed as unconfirmed for <paramref name="validFor"/>. The number still as listed.</summary>
    public Task<PoolResult<int>> ConfirmAsync(string pool, IReadOnlyList<UnconfirmedHolding> holdings, TimeSpan validFor, CancellationToken ct = default) =>
        AskAsync<HoldingsConfirmed, int>(new ConfirmHoldings(pool, holdings, validFor), r => r.Count, ct);

    /// <summary>Takes back a holding whose owner does not hold it, into quarantine; NotHeld when it changed since it was listed.</summary>
    public Task<PoolResult<PoolLease>> ReclaimAsync(string pool, UnconfirmedHolding holding, TimeSpan grace, CancellationToken ct = default) =>
        AskAsync<AddressesReleased, PoolLease>(new ReclaimAddress(pool, holding, grace), r => r.Leases[0], ct);

    private async Task<PoolResult<TOut>> AskAsync<TReply, TOut>(PoolCommand command, Func<TReply, TOut> map, CancellationToken ct)
    {
        if (!Catalog.TryGet(command.Pool, out _))
            return new PoolError(PoolErrorKind.UnknownPool, command.Pool, $"no pool named '{command.Pool}'");
        try
        {
            var region = await _region(ct);
            var reply = await region.Ask<object>(command, _settings.AskTimeout, ct);
            return reply switch
            {
                TReply r => PoolResult<TOut>.Success(map(r)),
                PoolError e => e,
                _ => new PoolError(PoolErrorKind.Unavailable, command.Pool, $"unexpected reply {reply.GetType().Name}"),
            };
        }
        catch (AskTimeoutException)
        {
            return new PoolError(PoolErrorKind.Unavailable, command.Pool, $"pool {command.Pool} did not answer within {_settings.AskTimeout}");
        }
    }
}
