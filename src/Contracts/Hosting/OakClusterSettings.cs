using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>
/// Which Akka.NET cluster a process belongs to: the root tier (every root) or one edge site (its
/// orchestrator and its workers). The tiers are separate failure domains with separate system names, so a
/// member can never join the wrong one by a misconfigured seed (docs/NODES.md).
/// </summary>
public enum ClusterTier { Root, Site }

/// <summary>The Oak:Akka:* keys of docs/CONFIG.md, with their documented defaults applied.</summary>
public sealed record OakClusterSettings(
    ClusterTier Tier, string SystemName, string Hostname, int Port, IReadOnlyList<string> Seeds, string Role)
{
    public const string RootSystemName = "oakestra-root";
    public const int DefaultRootPort = 4053;
    public const int DefaultOrchestratorPort = 4054;
    public const int DefaultWorkerPort = 4055;

    /// <summary>
    /// How long a member stays unreachable before its tier's split brain resolver downs it, and (as Akka's
    /// down-removal-margin) how long shards and singletons of a removed member wait before they move.
    /// </summary>
    public TimeSpan DownAfter { get; init; } = DefaultDownAfter(ClusterTier.Site);

    /// <summary>Mutual TLS for remoting (Oak:Remoting:*); null = plain TCP, only by an explicit Oak:Remoting:Tls=off.</summary>
    public RemotingTls? Tls { get; init; }

    /// <summary>
    /// Roots decide a split with the PostgreSQL lease (never both sides), so their tier can decide sooner: a root's
    /// API must answer through the survivor within 20 s of a crash. A site has no lease: a worker downed by a
    /// false suspicion starts a new incarnation, so it waits longer before it decides.
    /// </summary>
    public static TimeSpan DefaultDownAfter(ClusterTier tier) => TimeSpan.FromSeconds(tier == ClusterTier.Root ? 5 : 10);

    /// <summary>The system name of an edge site's cluster (its orchestrator and workers).</summary>
    public static string SiteSystemName(string site) => $"oakestra-site-{site}";

    /// <summary>
    /// <paramref name="site"/> is required for the orchestrator and worker roles: their cluster is their site's.
    /// Seeds may be given as Akka addresses or as host:port (the tier's system name is added).
    /// </summary>
    public static OakClusterSettings FromConfiguration(IConfiguration configuration, string role, string? site = null)
    {
        var section = configuration.GetSection("Oak:Akka");
        var tier = role == OakestraRoles.Root ? ClusterTier.Root : ClusterTier.Site;
        if (tier == ClusterTier.Site && string.IsNullOrWhiteSpace(site))
            throw new ArgumentException($"a member with role {role} belongs to a site: name it", nameof(site));
        var systemName = NonEmpty(section["SystemName"]) ?? (tier == ClusterTier.Root ? RootSystemName : SiteSystemName(site!));
        var hostname = NonEmpty(section["Hostname"]) ?? "127.0.0.1";
        var port = int.TryParse(section["Port"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : DefaultPort(role);
        // Alone, a root seeds its own tier and an orchestrator its own site; a worker looks for its orchestrator.
        var defaultSeed = role == OakestraRoles.Worker ? $"127.0.0.1:{DefaultOrchestratorPort}" : $"{hostname}:{port}";
        var tls = RemotingTls.FromConfiguration(configuration);
        var seeds = AkkaAddresses.Parse(NonEmpty(section["Seeds"]) ?? defaultSeed, systemName, tls is not null);
        // A member that its tier downed rejoins the members that downed it and never forms a cluster of its own:
        // with itself as the first seed it would, after the seed timeout, while the partition lasts (two root tiers).
        if (string.Equals(section["RejoinOnly"], "true", StringComparison.OrdinalIgnoreCase))
        {
            var self = $"@{hostname}:{port}";
            var others = seeds.Where(s => !s.EndsWith(self, StringComparison.Ordinal)).ToArray();
            if (others.Length > 0) seeds = others;
        }
        var settings = new OakClusterSettings(tier, systemName, hostname, port, seeds, role) { DownAfter = DefaultDownAfter(tier), Tls = tls };
        return double.TryParse(section["DownAfterSeconds"], NumberStyles.Float, CultureInfo.InvariantCulture, out var down) && down > 0
            ? settings with { DownAfter = TimeSpan.FromSeconds(down) }
            : settings;
    }

    public static int DefaultPort(string role) => role switch
    {
        OakestraRoles.Root => DefaultRootPort,
        OakestraRoles.Orchestrator => DefaultOrchestratorPort,
        _ => DefaultWorkerPort,
    };

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>
/// Akka addresses from configuration: full <c>akka.tcp://system@host:port</c> or <c>host:port</c>. The scheme is
/// always the one of this process's transport (<c>akka.ssl.tcp</c> with TLS): a process can dial no other, so
/// an address written with the other one means the same member.
/// </summary>
public static class AkkaAddresses
{
    public static IReadOnlyList<string> Parse(string list, string systemName, bool tls)
    {
        var protocol = RemotingTls.Protocol(tls);
        return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.TrimEnd('/'))
            .Select(s => s.IndexOf("://", StringComparison.Ordinal) is var at and >= 0
                ? (s[..at] is RemotingTls.PlainScheme or RemotingTls.TlsScheme ? protocol + s[at..] : s)
                : $"{protocol}://{systemName}@{s}")
            .ToArray();
    }
}
