using Akka.Actor;
using Akka.Persistence;

namespace Oakestra.Actors.Root.Entities.Directory;

/// <summary>The persistent list of existing services (see <see cref="DirectoryState"/>).</summary>
public sealed class DirectoryActor : ReceivePersistentActor
{
    private readonly RootRefs _refs;
    private DirectoryState _state = DirectoryState.Empty;

    public DirectoryActor(RootRefs refs)
    {
        _refs = refs;
        Recover<IDirectoryEvent>(e => _state = _state.Apply(e));
        Recover<SnapshotOffer>(o => { if (o.Snapshot is DirectoryState s) _state = s; });
        Command<ListService>(l => Change(new ServiceListed(l.ServiceId)));
        Command<UnlistService>(u => Change(new ServiceUnlisted(u.ServiceId)));
        Command<ListServiceIds>(_ => Sender.Tell(new ServiceIds(_state.Services.ToArray())));
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
