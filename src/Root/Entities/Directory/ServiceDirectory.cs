using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;

namespace Oakestra.Actors.Root.Entities.Directory;

// Sharding cannot enumerate its entities, so GET /services reads this list. Service entities keep it up
// to date (idempotently, again after their own recovery); it is one persistent entity.
// Address → owner resolution does not need it: the pools know every address's owner.

public interface IDirectoryEvent : IPersistedMessage;

[PersistedAs("root.directory.service-listed")]
public sealed record ServiceListed(string ServiceId) : IDirectoryEvent;

[PersistedAs("root.directory.service-unlisted")]
public sealed record ServiceUnlisted(string ServiceId) : IDirectoryEvent;

[PersistedAs("root.directory.state")]
public sealed record DirectoryState(ImmutableSortedSet<string> Services) : IPersistedMessage
{
    public static readonly DirectoryState Empty = new(ImmutableSortedSet<string>.Empty);

    public DirectoryState Apply(IDirectoryEvent e) => e switch
    {
        ServiceListed l => this with { Services = Services.Add(l.ServiceId) },
        ServiceUnlisted u => this with { Services = Services.Remove(u.ServiceId) },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name),
    };

    public bool IsNoOp(IDirectoryEvent e) => e switch
    {
        ServiceListed l => Services.Contains(l.ServiceId),
        ServiceUnlisted u => !Services.Contains(u.ServiceId),
        _ => false,
    };
}

public interface IDirectoryCommand : IEntityMessage, IClusterMessage
{
    string IEntityMessage.EntityId => DirectoryIds.DirectoryId;
}

public static class DirectoryIds
{
    public const string DirectoryId = "directory";
}

public sealed record ListService(string ServiceId) : IDirectoryCommand;

public sealed record UnlistService(string ServiceId) : IDirectoryCommand;

public sealed record ListServiceIds : IDirectoryCommand;

public sealed record ServiceIds(IReadOnlyList<string> Ids) : IClusterMessage;

/// <summary>
/// Site registry → directory when a site is lost: every service forgets that site's subscription, so a site that is
/// gone for good is not sent deltas for ever. A site that comes back states its interests again when it registers.
/// </summary>
public sealed record DropSiteSubscriptions(string Site) : IDirectoryCommand;

/// <summary>Service → directory after every change (and its recovery): the version subscribers must reach.</summary>
public sealed record ServiceVersionChanged(string ServiceId, long Version) : IDirectoryCommand;

/// <summary>
/// Site registry → directory with a site's digest: the versions the site holds. Each service whose version differs
/// from its entity's (or is not known here since this root started) is asked to bring the site up to date.
/// </summary>
public sealed record CheckSiteServices(string Site, Akka.Actor.IActorRef Orchestrator, IReadOnlyList<Contracts.Protocol.ServiceVersion> Services)
    : IDirectoryCommand;
