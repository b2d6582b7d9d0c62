using Akka.Actor;
using Akka.Event;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Entities.Sites;

// Decommissioning: a node its site gave up on (Down) that stays Down for RootSettings.NodeDecommissionGrace is
// forgotten, and its /26 and /120 go back to the pools (through their quarantine), so the subnet pools do not
// run out with workers that were replaced long ago. Until then the node keeps them: a worker that returns gets the
// same subnets, and the addresses its instances had stay its own.
public sealed partial class SiteRegistryActor
{
    private readonly HashSet<string> _decommissioning = new(StringComparer.Ordinal);
    private readonly DateTime _recoveredUtc = DateTime.UtcNow;

    private sealed record NodeSubnetsReleased(NodeRecord Node, PoolError? Error);

    private void Decommission()
    {
        foreach (var node in _state.Decommissionable(DateTime.UtcNow, _refs.Settings.NodeDecommissionGrace, _recoveredUtc))
        {
            if (!_decommissioning.Add(node.Key)) continue;
            _log.Warning("node {0} of site {1} has been Down for {2:0} s: decommissioned, its subnets {3} {4} are released",
                node.Node, node.Site, _refs.Settings.NodeDecommissionGrace.TotalSeconds, node.SubnetV4, node.SubnetV6);
            var owner = PoolOwners.Worker(node.Site, node.Node);
            Release(owner).PipeTo(Self, success: error => new NodeSubnetsReleased(node, error),
                failure: e => new NodeSubnetsReleased(node, new PoolError(PoolErrorKind.Unavailable, PoolNames.SubnetV4, e.Message)));
        }

        async Task<PoolError?> Release(string owner)
        {
            foreach (var pool in new[] { PoolNames.SubnetV4, PoolNames.SubnetV6 })
            {
                var r = await _refs.Pools.ReleaseOwnerAsync(pool, owner);
                if (!r.Ok) return r.Error;
            }
            return null;
        }
    }

    private void OnNodeSubnetsReleased(NodeSubnetsReleased done)
    {
        if (done.Error is { } error)
        {
            // Tried again at a later tick: the node is still Down and not yet forgotten.
            _decommissioning.Remove(done.Node.Key);
            _log.Warning("releasing the subnets of node {0} of site {1} failed, tried again: {2}", done.Node.Node, done.Node.Site, error);
            return;
        }
        Change(new NodeDecommissioned(done.Node.Site, done.Node.Node), () => _decommissioning.Remove(done.Node.Key));
    }
}
