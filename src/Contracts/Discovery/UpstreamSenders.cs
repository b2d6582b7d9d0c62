using Akka.Actor;

namespace Oakestra.Actors.Contracts.Discovery;

/// <summary>
/// Who may send a node what only the level above sends (StartInstance, deltas, subnets): the ActorSystems its
/// <see cref="UpstreamLink"/> knows as the upstream, and the node's own ActorSystem (its own actors). Fed by the
/// link's <see cref="UpstreamAdded"/>/<see cref="UpstreamLost"/>. An immutable value: the node's agent hands
/// the current one to its children.
/// </summary>
public sealed record UpstreamSenders(Address Own, IReadOnlySet<Address> Upstream)
{
    public static UpstreamSenders Of(Address own) => new(own, new HashSet<Address>());

    public bool Allows(IActorRef sender) => sender.Path.Address == Own || Upstream.Contains(sender.Path.Address);

    public UpstreamSenders With(Address upstream) =>
        Upstream.Contains(upstream) ? this : this with { Upstream = new HashSet<Address>(Upstream) { upstream } };

    public UpstreamSenders Without(Address upstream)
    {
        if (!Upstream.Contains(upstream)) return this;
        var rest = new HashSet<Address>(Upstream);
        rest.Remove(upstream);
        return this with { Upstream = rest };
    }
}
