using Akka.Actor;
using Akka.Cluster;

namespace Oakestra.Actors.Contracts.Discovery;

/// <summary>Link → its parent: a (new) upstream appeared; register again, it may have lost our state.</summary>
public sealed record UpstreamAvailable(string Description);

/// <summary>
/// Link → its parent: the upstream lives (also) in the ActorSystem at <see cref="Address"/>, which may from now on
/// send the parent what only the upstream sends (<see cref="UpstreamSenders"/>).
/// </summary>
public sealed record UpstreamAdded(Address Address);

/// <summary>Link → its parent: the upstream at <see cref="Address"/> is gone (left the cluster, or replaced by <see cref="UseUpstream"/>).</summary>
public sealed record UpstreamLost(Address Address);

/// <summary>To the link: send to this actor from now on (tests, and a parent that learned a reply's sender).</summary>
public sealed record UseUpstream(IActorRef Target);

/// <summary>
/// The one way a node talks to the level above it (orchestrator → root, worker → orchestrator). Every
/// other message is forwarded with its original sender, so replies go straight to the asking actor.
/// Two modes: a fixed target (tests, several ActorSystems in one process) or cluster discovery — the
/// members carrying all <see cref="ClusterUpstream.Roles"/>, addressed at the well-known
/// <see cref="ClusterUpstream.Path"/>. Messages with no upstream known are dropped: every sender retries.
/// </summary>
public sealed class UpstreamLink : UntypedActor
{
    private readonly ClusterUpstream? _cluster;
    private readonly SortedSet<Address> _members = new(Comparer<Address>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString())));
    private IActorRef? _fixed;

    public UpstreamLink(IActorRef? fixedTarget, ClusterUpstream? cluster)
    {
        _fixed = fixedTarget;
        _cluster = cluster;
    }

    public static Props Fixed(IActorRef? target) => Props.Create(() => new UpstreamLink(target, null));
    public static Props ViaCluster(ClusterUpstream upstream) => Props.Create(() => new UpstreamLink(null, upstream));

    protected override void PreStart()
    {
        if (_fixed is not null) Context.Parent.Tell(new UpstreamAdded(_fixed.Path.Address));
        if (_cluster is not null)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (_cluster is not null) Cluster.Get(Context.System).Unsubscribe(Self);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case UseUpstream use:
                if (_fixed is not null && _fixed.Path.Address != use.Target.Path.Address) Context.Parent.Tell(new UpstreamLost(_fixed.Path.Address));
                _fixed = use.Target;
                Context.Parent.Tell(new UpstreamAdded(use.Target.Path.Address));
                Context.Parent.Tell(new UpstreamAvailable(use.Target.Path.ToString()));
                break;
            case ClusterEvent.MemberUp up when _cluster!.Matches(up.Member):
                _members.Add(up.Member.Address);
                Context.Parent.Tell(new UpstreamAdded(up.Member.Address));
                Context.Parent.Tell(new UpstreamAvailable(up.Member.Address.ToString()));
                break;
            case ClusterEvent.MemberRemoved removed:
                if (_members.Remove(removed.Member.Address)) Context.Parent.Tell(new UpstreamLost(removed.Member.Address));
                break;
            case ClusterEvent.IMemberEvent:
                break;
            default:
                if (_fixed is not null) _fixed.Tell(message, Sender);
                else if (_cluster is not null && _members.Count > 0)
                    // The lowest address is a stable choice while it lives; all members answer the same.
                    Context.ActorSelection($"{_members.Min}{_cluster.Path}").Tell(message, Sender);
                break;
        }
    }
}

/// <summary>Where the level above lives in the cluster: members with all these roles, actor at this path.</summary>
public sealed record ClusterUpstream(IReadOnlyList<string> Roles, string Path)
{
    public bool Matches(Member member) => Roles.All(member.HasRole);
}
