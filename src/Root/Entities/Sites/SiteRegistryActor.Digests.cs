using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.Root.Entities.Instances;

namespace Oakestra.Actors.Root.Entities.Sites;

// Anti-entropy with the sites: a site's digest against what the Instance entities expect (the mirror they
// keep current); every difference goes to its entity, which settles it (stop a stale epoch, place a lost one
// again, take a missed status). The services half goes to the directory, which knows every version.
public sealed partial class SiteRegistryActor
{
    private readonly PlacementMirror _mirror = new();

    private void OnInstancePlaced(InstancePlaced p)
    {
        _mirror.Set(p.InstanceId, p.Expected, DateTime.UtcNow);
        if (p.Site is not { } site || p.Node is not { } node) return;
        if (_state.Assigned.TryGetValue(p.InstanceId, out var a) && a.Site == site && a.Node == node) return;
        Change(new InstanceAssigned(p.InstanceId, site, node));
    }

    private void OnDigest(SiteDigest digest)
    {
        var assigned = _state.Assigned.Where(a => a.Value.Site == digest.Site).Select(a => a.Key);
        foreach (var d in _mirror.Compare(digest, assigned, DateTime.UtcNow, _refs.Settings.DigestSettle))
            _refs.Instances.Tell(new ReconcilePlacement(d.InstanceId, digest.Site, d.Reported, d.MissingEpoch));
        if (digest.Services.Count > 0)
            _refs.Directory.Tell(new CheckSiteServices(digest.Site, digest.Orchestrator, digest.Services));
    }
}
