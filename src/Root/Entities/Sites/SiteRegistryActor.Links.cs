using Akka.Actor;
using Akka.Event;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.Root.Entities.Instances;

namespace Oakestra.Actors.Root.Entities.Sites;

// The sites' links to the root tier: heartbeats and digests count as heard; a site silent past the silence
// time shows its nodes Unreachable and gets no new placement; past the grace its instances go elsewhere.
public sealed partial class SiteRegistryActor
{
    private readonly SiteLinks _links;

    private void Heard(string site, IActorRef orchestrator, int? queued)
    {
        _orchestrators[site] = orchestrator;
        if (_links.Heard(site, orchestrator, queued, DateTime.UtcNow))
        {
            _log.Info("site {0} is heard again", site);
            WakeWaiting();
        }
    }

    private void CheckLinks()
    {
        var decision = _links.Check(_state.Sites.Keys, DateTime.UtcNow);
        foreach (var site in decision.NowSilent)
        {
            _log.Warning("site {0} has not been heard for {1:0} s: its nodes are Unreachable, nothing new is placed there", site, _links.Silence.TotalSeconds);
            foreach (var n in _state.Nodes.Values.Where(n => n.Site == site && n.State == WorkerState.Up).ToArray())
                Change(new NodeStateRecorded(n.Site, n.Node, WorkerState.Unreachable, DateTime.UtcNow));
        }
        foreach (var site in decision.NowLost)
        {
            var instances = _state.Assigned.Where(a => a.Value.Site == site).Select(a => a.Key).ToArray();
            _log.Warning("site {0} is lost ({1:0} s silent): its {2} instances are placed on other sites where one can take them",
                site, (_links.Silence + _links.Grace).TotalSeconds, instances.Length);
            foreach (var id in instances) _refs.Instances.Tell(new SiteLost(id, site));
            _refs.Directory.Tell(new DropSiteSubscriptions(site));
        }
    }

    private SiteList ListSitesNow()
    {
        var now = DateTime.UtcNow;
        return new SiteList(_state.Sites.Keys.Order(StringComparer.Ordinal).Select(site =>
        {
            var link = _links.Of(site);
            var state = link.Lost ? "lost" : _links.Reachable(site, now) ? "connected" : "silent";
            return new SiteEntry(site, state, link.Orchestrator is null ? null : link.LastHeardUtc, link.QueuedReports,
                _state.Nodes.Values.Count(n => n.Site == site));
        }).ToArray());
    }
}
