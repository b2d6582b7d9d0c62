namespace Oakestra.Actors.Contracts.Serialization;

/// <summary>
/// The stable manifest under which an <see cref="Messaging.IPersistedMessage"/> is written to the journal.
/// Never change it once rows exist: renaming or moving the CLR type is free, changing this name is not.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class PersistedAsAttribute(string manifest) : Attribute
{
    public string Manifest { get; } = manifest;
}
