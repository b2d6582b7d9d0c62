using Akka.Actor;

namespace Oakestra.Actors.Root.Entities.Sites;

/// <summary>How the root tier hears a site: its last heartbeat, the orchestrator it came from, what it has queued.</summary>
public sealed record SiteLinkView(DateTime LastHeardUtc, IActorRef? Orchestrator, int QueuedReports, bool Silent, bool Lost);

/// <summary>What the site registry must do about a site whose link fell silent (see <see cref="SiteLinks.Check"/>).</summary>
public sealed record SiteLinkDecision(IReadOnlyList<string> NowSilent, IReadOnlyList<string> NowLost);

/// <summary>
/// The links of every site to the root tier, kept in memory by the site registry (a restarted root starts every
/// site's silence clock at its own start, so sites have the full silence time to reconnect). A site silent past
/// <c>silence</c> shows its nodes Unreachable; past <c>silence + grace</c> (grace &gt; 0) it is lost, and its
/// instances are placed on other sites. Pure: the registry gives the clock and acts on the decisions.
/// </summary>
public sealed class SiteLinks(DateTime startedUtc, TimeSpan silence, TimeSpan grace)
{
    private readonly Dictionary<string, SiteLinkView> _links = new(StringComparer.Ordinal);

    public TimeSpan Silence { get; } = silence;
    public TimeSpan Grace { get; } = grace;

    public SiteLinkView Of(string site) =>
        _links.GetValueOrDefault(site) ?? new SiteLinkView(startedUtc, null, 0, Silent: false, Lost: false);

    /// <summary>A heartbeat or a digest. Returns true when the site was silent (or lost) until now: it is back.</summary>
    public bool Heard(string site, IActorRef orchestrator, int? queued, DateTime nowUtc)
    {
        var before = Of(site);
        _links[site] = new SiteLinkView(nowUtc, orchestrator, queued ?? before.QueuedReports, Silent: false, Lost: false);
        return before.Silent || before.Lost;
    }

    /// <summary>Whether a placement may go to <paramref name="site"/> now: it was heard within the silence time.</summary>
    public bool Reachable(string site, DateTime nowUtc) => !Of(site).Silent && nowUtc - Of(site).LastHeardUtc <= Silence;

    public IReadOnlySet<string> Unreachable(IEnumerable<string> sites, DateTime nowUtc) =>
        sites.Where(s => !Reachable(s, nowUtc)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Sites that fell silent, and sites now lost, since the last check.</summary>
    public SiteLinkDecision Check(IEnumerable<string> sites, DateTime nowUtc)
    {
        var silent = new List<string>();
        var lost = new List<string>();
        foreach (var site in sites)
        {
            var link = Of(site);
            var quiet = nowUtc - link.LastHeardUtc;
            if (quiet <= Silence) continue;
            var isLost = Grace > TimeSpan.Zero && quiet > Silence + Grace;
            if (!link.Silent) silent.Add(site);
            if (isLost && !link.Lost) lost.Add(site);
            _links[site] = link with { Silent = true, Lost = link.Lost || isLost };
        }
        return new SiteLinkDecision(silent, lost);
    }
}
