using Akka.Actor;
using Akka.Event;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Entities.Audit;

/// <summary>Runs one audit round now; answered with its <see cref="AddressAuditReport"/> (tests, operators).</summary>
public sealed record AuditAddresses : IClusterMessage;

/// <param name="Checked">Unconfirmed holdings looked at.</param>
/// <param name="Confirmed">Held by their owner, now confirmed.</param>
/// <param name="Reclaimed">Taken back into quarantine.</param>
/// <param name="Undeployed">Instances made sure to be undeployed because their service no longer lists them.</param>
/// <param name="Unanswered">Left alone this round: a pool or a service did not answer.</param>
public sealed record AddressAuditReport(int Checked, int Confirmed, int Reclaimed, int Undeployed, int Unanswered) : IClusterMessage;

/// <summary>
/// The address audit (one per root cluster, a singleton): every <see cref="RootSettings.AddressAuditInterval"/> it
/// lists the holdings nobody confirmed for <see cref="RootSettings.UnconfirmedAddressGrace"/>, asks each one's
/// service whether it holds them (waking it, which also recreates instances whose creation was lost), and confirms
/// or reclaims each. This is what makes allocation, service creation and instance creation one recoverable process:
/// a kill -9 between any two steps leaves holdings that no owner confirms, and they come back to the pool.
/// Nothing is decided on a missing answer. A round runs as a task piped back here; ticks during one are dropped.
/// </summary>
public sealed class AddressAuditActor : ReceiveActor, IWithTimers
{
    private const int PageSize = 500;
    private const int ServicesInFlight = 8;

    private readonly RootRefs _refs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _waiting = new();
    private bool _running;
    private bool _wokeServices;

    private sealed record Tick;
    private sealed record RoundDone(AddressAuditReport Report, bool WokeServices);
    private sealed record RoundFailed(Exception Cause);

    public AddressAuditActor(RootRefs refs)
    {
        _refs = refs;
        Receive<Tick>(_ => StartRound(null));
        Receive<AuditAddresses>(_ => StartRound(Sender));
        Receive<RoundDone>(d =>
        {
            _wokeServices |= d.WokeServices;
            var r = d.Report;
            if (r.Reclaimed + r.Undeployed > 0)
                _log.Warning("address audit: {0} holdings nobody confirmed: {1} held, {2} reclaimed into quarantine, {3} instances undeployed, {4} left for the next round",
                    r.Checked, r.Confirmed, r.Reclaimed, r.Undeployed, r.Unanswered);
            else if (r.Checked > 0)
                _log.Info("address audit: {0} unconfirmed holdings, {1} held by their owners, {2} left for the next round", r.Checked, r.Confirmed, r.Unanswered);
            Finish(r);
        });
        Receive<RoundFailed>(f =>
        {
            _log.Warning(f.Cause, "address audit round failed; the next one tries again");
            Finish(new AddressAuditReport(0, 0, 0, 0, 1));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RootRefs refs) => Akka.Actor.Props.Create(() => new AddressAuditActor(refs));

    protected override void PreStart()
    {
        // The first round soon after the start: it wakes every service, which is what a root that crashed needs (timers
        // of waiting instances died with it, and its holdings are all unconfirmed until the grace has passed anyway).
        if (_refs.Settings.AddressAuditInterval > TimeSpan.Zero)
            Timers.StartPeriodicTimer("audit", new Tick(), TimeSpan.FromSeconds(5), _refs.Settings.AddressAuditInterval);
    }

    private void StartRound(IActorRef? replyTo)
    {
        if (replyTo is not null) _waiting.Add(replyTo);
        if (_running) return;
        _running = true;
        var wake = !_wokeServices;
        RunRoundAsync(wake).PipeTo(Self, success: r => r, failure: e => new RoundFailed(e));
    }

    private void Finish(AddressAuditReport report)
    {
        _running = false;
        foreach (var w in _waiting) w.Tell(report);
        _waiting.Clear();
    }

    private async Task<RoundDone> RunRoundAsync(bool wakeServices)
    {
        var woke = wakeServices && await WakeEveryServiceAsync();
        return new RoundDone(await AuditAsync(), woke);
    }

    /// <summary>
    /// Every service the directory lists is told to make sure of its instances (<see cref="EnsureServiceInstances"/>):
    /// after a crash of the root nothing else wakes an instance that waited for a placement or a backoff. Once per
    /// audit incarnation (a singleton that moved to another root process does it again); false when the directory did not answer.
    /// </summary>
    private async Task<bool> WakeEveryServiceAsync()
    {
        ServiceIds ids;
        try { ids = await _refs.Directory.Ask<ServiceIds>(new ListServiceIds(), _refs.Settings.AskTimeout); }
        catch (AskTimeoutException) { return false; }
        using var gate = new SemaphoreSlim(ServicesInFlight);
        await Task.WhenAll(ids.Ids.Select(async id =>
        {
            await gate.WaitAsync();
            try { await _refs.Services.Ask<object>(new EnsureServiceInstances(id), _refs.Settings.AskTimeout); }
            catch (AskTimeoutException) { /* its next recovery or the next audit round does it */ }
            finally { gate.Release(); }
        }));
        _log.Info("address audit: woke the {0} services the directory lists, so their waiting instances are placed", ids.Ids.Count);
        return true;
    }

    private async Task<AddressAuditReport> AuditAsync()
    {
        var settings = _refs.Settings;
        var pools = _refs.Pools;
        var unanswered = 0;
        var found = new List<(string Pool, UnconfirmedHolding Holding)>();
        foreach (var pool in pools.Catalog.AddressPools)
        {
            string? after = null;
            while (true)
            {
                var page = await pools.UnconfirmedAsync(pool.Name, settings.UnconfirmedAddressGrace, after, PageSize);
                if (!page.Ok) { unanswered++; break; }
                found.AddRange(page.Value!.Holdings.Select(h => (pool.Name, h)));
                if (!page.Value.More || page.Value.Holdings.Count == 0) break;
                after = page.Value.Holdings[^1].Address;
            }
        }
        var byService = found.Where(f => AddressAudit.ServiceOf(f.Holding) is not null).GroupBy(f => AddressAudit.ServiceOf(f.Holding)!).ToArray();
        var counts = new Counts { Checked = found.Count, Unanswered = unanswered };
        using var gate = new SemaphoreSlim(ServicesInFlight);
        await Task.WhenAll(byService.Select(async group =>
        {
            await gate.WaitAsync();
            try { await AuditServiceAsync(group.Key, group.ToArray(), counts); }
            finally { gate.Release(); }
        }));
        return new AddressAuditReport(counts.Checked, counts.Confirmed, counts.Reclaimed, counts.Undeployed, counts.Unanswered);
    }

    private async Task AuditServiceAsync(string serviceId, IReadOnlyList<(string Pool, UnconfirmedHolding Holding)> holdings, Counts counts)
    {
        var settings = _refs.Settings;
        ServiceState? state;
        try
        {
            // EnsureServiceInstances rather than GetService: the same answer, and a Pending instance whose creation was
            // lost gets its entity on the way (a root that crashed is woken here, service by service).
            var answer = await _refs.Services.Ask<object>(new EnsureServiceInstances(serviceId), settings.AskTimeout);
            state = answer is ServiceInfo i ? i.State : throw new InvalidOperationException(answer.GetType().Name);
        }
        catch (Exception e) when (e is AskTimeoutException or InvalidOperationException)
        {
            counts.Add(unanswered: holdings.Count);
            return;
        }
        var held = new List<(string Pool, UnconfirmedHolding Holding)>();
        var undeployed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (pool, h) in holdings)
        {
            switch (AddressAudit.Judge(pool, h, state))
            {
                case AuditVerdict.Held:
                    held.Add((pool, h));
                    break;
                case AuditVerdict.OrphanInstance:
                    var instance = PoolOwners.AsInstance(h.Owner)!;
                    if (undeployed.Add(instance) && !await UndeployAsync(instance, counts))
                    {
                        counts.Add(unanswered: 1);
                        continue;
                    }
                    await ReclaimAsync(pool, h, counts);
                    break;
                case AuditVerdict.Orphan:
                    await ReclaimAsync(pool, h, counts);
                    break;
            }
        }
        foreach (var pool in held.GroupBy(x => x.Pool))
        {
            var confirmed = await _refs.Pools.ConfirmAsync(pool.Key, [.. pool.Select(x => x.Holding)], settings.AddressConfirmation);
            if (confirmed.Ok) counts.Add(confirmed: confirmed.Value);
            else counts.Add(unanswered: pool.Count());
        }
    }

    /// <summary>An instance its service does not list must not run: its entity stops every placement (or does not exist).</summary>
    private async Task<bool> UndeployAsync(string instanceId, Counts counts)
    {
        try
        {
            var answer = await _refs.Instances.Ask<object>(new UndeployInstance(instanceId, FromService: true), _refs.Settings.AskTimeout);
            if (answer is InstanceInfo) counts.Add(undeployed: 1);
            return answer is InstanceInfo or InstanceNotFound;
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }

    private async Task ReclaimAsync(string pool, UnconfirmedHolding holding, Counts counts)
    {
        var r = await _refs.Pools.ReclaimAsync(pool, holding, _refs.Settings.UnconfirmedAddressGrace);
        if (r.Ok) counts.Add(reclaimed: 1);
        else if (r.Error!.Kind != PoolErrorKind.NotHeld) counts.Add(unanswered: 1);
        // NotHeld: released by its entity meanwhile (an undeploy), or allocated again since it was listed: both fine.
    }

    private sealed class Counts
    {
        private readonly object _lock = new();
        public int Checked;
        public int Confirmed;
        public int Reclaimed;
        public int Undeployed;
        public int Unanswered;

        public void Add(int confirmed = 0, int reclaimed = 0, int undeployed = 0, int unanswered = 0)
        {
            lock (_lock)
            {
                Confirmed += confirmed;
                Reclaimed += reclaimed;
                Undeployed += undeployed;
                Unanswered += unanswered;
            }
        }
    }
}
