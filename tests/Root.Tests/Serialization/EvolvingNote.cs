using Akka.Actor;
using Akka.Persistence;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;

namespace Oakestra.Actors.Root.Tests.Serialization;

/// <summary>
/// An event whose first shape was (Text, Count); it later gained Tag, Priority and Labels. Rows of the
/// first shape must still recover.
/// </summary>
[PersistedAs(Manifest)]
public sealed record EvolvingNote(string Text, int Count, string? Tag = null, int Priority = EvolvingNote.DefaultPriority, IReadOnlyList<string>? Labels = null)
    : IPersistedMessage
{
    public const string Manifest = "test-evolving-note";
    public const int DefaultPriority = 5;
}

/// <summary>Persists notes and answers <see cref="GetNotes"/> with what it has (after recovery).</summary>
public sealed class NoteKeeper : ReceivePersistentActor
{
    public sealed record GetNotes;

    private readonly List<EvolvingNote> _notes = [];

    public NoteKeeper(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<EvolvingNote>(n => _notes.Add(n));
        Command<EvolvingNote>(n => Persist(n, e => { _notes.Add(e); Sender.Tell(Akka.Done.Instance); }));
        Command<GetNotes>(_ => Sender.Tell(_notes.ToArray()));
    }

    public override string PersistenceId { get; }
}
