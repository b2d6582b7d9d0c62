using Akka.Actor;
using Akka.Persistence;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Entities.Services;

namespace Oakestra.Actors.Root.Entities.Directory;

/// <summary>
/// The persistent list of existing services (see <see cref="DirectoryState"/>), and in memory the version of each
/// (told by the Service entities), so one site digest is compared in one place and only lagging services are woken.
/// </summary>
public sealed class DirectoryActor : ReceivePersistentActor
{
    private readonly RootRefs _refs;
    private DirectoryState _state = DirectoryState.Empty;
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);

    public DirectoryActor(RootRefs refs)
    {
        _refs = refs;
        Recover<IDirectoryEvent>(e => _state = _state.Apply(e));
        Recover<SnapshotOffer>(o => { if (o.Snapshot is DirectoryState s) _state = s; });
        Command<ListService>(l => Change(new ServiceListed(l.ServiceId)));
        Command<UnlistService>(u => { _versions.Remove(u.ServiceId); Change(new ServiceUnlisted(u.ServiceId)); });
        Command<ListServiceIds>(_ => Sender.Tell(new ServiceIds(_state.Services.ToArray())));
        Command<ServiceVersionChanged>(v => _versions[v.ServiceId] = v.Version);
        Command<CheckSiteServices>(c =>
        {
            foreach (var held in c.Services)
                if (!_versions.TryGetValue(held.ServiceId, out var version) || version != held.Version)
                    _refs.Services.Tell(new SyncSite(held.ServiceId, c.Site, c.Orchestrator, held.Version));
        });
        // Every service is told (a service the site never held ignores it): a site is lost rarely, and only the
        // Service entities know their subscribers.
        Command<DropSiteSubscriptions>(d =>
        {
            foreach (var id in _state.Services) _refs.Services.Tell(new ServiceEnvelope(id, new UnsubscribeService(id, d.Site)));
        });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(_ => { });
    }

    public override string PersistenceId => "service-directory";

    private void Change(IDirectoryEvent e)
    {
        if (_state.IsNoOp(e)) return;
        Persist(e, persisted =>
        {
            _state = _state.Apply(persisted);
            if (LastSequenceNr % _refs.Settings.SnapshotEvery == 0) SaveSnapshot(_state);
        });
    }
}
