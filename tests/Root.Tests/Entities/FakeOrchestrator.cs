using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Tests.Api;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>
/// An orchestrator of one site as the root sees it: a probe that registers through the gateway
/// (/user/root), receives PlaceInstance/StopInstance and deltas, and reports instance status.
/// </summary>
public sealed class FakeOrchestrator
{
    private readonly RootProcess _root;

    public FakeOrchestrator(RootProcess root, string site)
    {
        _root = root;
        Site = site;
        Probe = new TestProbe(root.System, new XunitAssertions(), $"orchestrator-{site}");
    }

    public string Site { get; }
    public TestProbe Probe { get; }
    public IActorRef Ref => Probe.Ref;

    // Everything received but not yet taken, in arrival order: taking one message never loses another.
    private readonly List<object> _buffer = new();

    /// <summary>The first message of type <typeparamref name="T"/> matching <paramref name="match"/>, from the buffer or the probe.</summary>
    public T Take<T>(Func<T, bool>? match = null, TimeSpan? timeout = null)
    {
        match ??= _ => true;
        var index = _buffer.FindIndex(m => m is T t && match(t));
        if (index >= 0)
        {
            var found = (T)_buffer[index];
            _buffer.RemoveAt(index);
            return found;
        }
        var deadline = DateTime.UtcNow + Probe.Dilated(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"no {typeof(T).Name} for site {Site}; buffered: {string.Join(", ", _buffer)}");
            var m = Probe.ReceiveOne(left);
            if (m is T t && match(t)) return t;
            if (m is not null) _buffer.Add(m);
        }
    }

    /// <summary>Every message that arrives within <paramref name="quiet"/> of the previous one, buffered ones first.</summary>
    public List<object> Drain(TimeSpan quiet)
    {
        var all = new List<object>(_buffer);
        _buffer.Clear();
        while (Probe.ReceiveOne(quiet) is { } m) all.Add(m);
        return all;
    }

    public FakeOrchestrator Register()
    {
        _root.Gateway.Tell(new RegisterSite(Site, Probe.Ref), Probe.Ref);
        Take<SiteRegistered>(m => m.Site == Site);
        return this;
    }

    public WorkerSubnetsAssigned AddWorker(string node)
    {
        _root.Gateway.Tell(new AssignWorkerSubnets(Site, node, $"{node}.lab:50103", 48.1, 11.6), Probe.Ref);
        return Take<WorkerSubnetsAssigned>(m => m.Node == node);
    }

    public ServiceRoutes Subscribe(string serviceId)
    {
        _root.Gateway.Tell(new SubscribeService(serviceId, Site, Probe.Ref), Probe.Ref);
        return Take<ServiceRoutesSnapshot>(s => s.Routes.ServiceId == serviceId).Routes;
    }

    public PlaceInstance ExpectPlace(string instanceId) => Take<PlaceInstance>(p => p.Launch.InstanceId == instanceId);

    public static Placement PlacementOn(string site, string node, long epoch, int host = 2) =>
        new(site, node, Ipv4Address.Parse($"10.18.0.{host}"), Ipv6Address.Parse($"fc00::{host}"), $"{node}.lab:50103", epoch, $"oak-{node}-{epoch}");

    public void Report(string instanceId, long epoch, InstanceStatus status, string node) =>
        _root.Gateway.Tell(new InstanceStatusReport(instanceId, epoch, status, PlacementOn(Site, node, epoch)), Probe.Ref);
}
