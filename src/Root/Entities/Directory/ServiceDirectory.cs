using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.Root.Entities.Directory;

// The directory answers two questions sharding cannot: which services exist (GET /services) and which
// service owns an address (ResolveRoute). The Service entities keep it up to date; it is one persistent
// entity, rebuilt from the journal after a restart.

public interface IDirectoryEvent : IPersistedMessage;

public sealed record AddressesBound(string ServiceId, IReadOnlyList<string> Addresses) : IDirectoryEvent;

public sealed record AddressesUnbound(string ServiceId, IReadOnlyList<string> Addresses) : IDirectoryEvent;

public sealed record ServiceListed(string ServiceId) : IDirectoryEvent;

public sealed record ServiceUnlisted(string ServiceId) : IDirectoryEvent;

public sealed record DirectoryState(ImmutableSortedSet<string> Services, ImmutableDictionary<string, string> Owners) : IPersistedMessage
{
    public static readonly DirectoryState Empty = new(ImmutableSortedSet<string>.Empty, ImmutableDictionary<string, string>.Empty);

    public DirectoryState Apply(IDirectoryEvent e) => e switch
    {
        ServiceListed l => this with { Services = Services.Add(l.ServiceId) },
        ServiceUnlisted u => this with { Services = Services.Remove(u.ServiceId) },
        AddressesBound b => this with { Owners = Owners.SetItems(b.Addresses.Select(a => KeyValuePair.Create(a, b.ServiceId))) },
        // Only the owner may unbind: a recycled address may already belong to someone else.
        AddressesUnbound u => this with
        {
            Owners = Owners.RemoveRange(u.Addresses.Where(a => Owners.TryGetValue(a, out var owner) && owner == u.ServiceId)),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name),
    };

    public bool IsNoOp(IDirectoryEvent e) => e switch
    {
        ServiceListed l => Services.Contains(l.ServiceId),
        ServiceUnlisted u => !Services.Contains(u.ServiceId),
        AddressesBound b => b.Addresses.All(a => Owners.TryGetValue(a, out var o) && o == b.ServiceId),
        AddressesUnbound u => !u.Addresses.Any(a => Owners.TryGetValue(a, out var o) && o == u.ServiceId),
        _ => false,
    };
}

public interface IDirectoryCommand : IClusterMessage;

public static class DirectoryIds
{
    public const string DirectoryId = "directory";
}

/// <summary>Service → directory: the service exists with these addresses (Service IPs and Instance IPs).</summary>
public sealed record BindAddresses(string ServiceId, IReadOnlyList<string> Addresses, bool Listed) : IDirectoryCommand;

public sealed record UnbindAddresses(string ServiceId, IReadOnlyList<string> Addresses, bool Unlist) : IDirectoryCommand;

public sealed record ListServiceIds : IDirectoryCommand;

public sealed record ServiceIds(IReadOnlyList<string> Ids) : IClusterMessage;

/// <summary>The contract's ResolveRoute, wrapped for the extractor.</summary>
public sealed record ResolveEnvelope(ResolveRoute Query) : IDirectoryCommand;
