using System.Text.Json.Serialization;

namespace Oakestra.Actors.Root.Api;

// The JSON shapes of docs/API.md. Serialized with snake_case naming by the API layer.

public sealed record ServiceIpView(string Policy, string? Ipv4, string? Ipv6);

public sealed record PlacementView(
    string Cluster, string Node, string? NamespaceIpv4, string? NamespaceIpv6, string? TunnelEndpoint, long Epoch);

public sealed record InstanceView(
    string Id,
    string ServiceId,
    int Number,
    string Status,
    [property: JsonPropertyName("instance_ipv4")] string? InstanceIpv4,
    [property: JsonPropertyName("instance_ipv6")] string? InstanceIpv6,
    long Epoch,
    PlacementView? Placement,
    PlacementView? MigrationTarget,
    [property: JsonPropertyName("last_failure")] string? LastFailure = null,
    [property: JsonPropertyName("last_failure_at")] DateTimeOffset? LastFailureAt = null,
    [property: JsonPropertyName("next_attempt_at")] DateTimeOffset? NextAttemptAt = null);

public sealed record ServiceView(
    string Id,
    string Application,
    string ApplicationNamespace,
    string Name,
    string Namespace,
    long Version,
    string? Code,
    int? Port,
    string? Virtualization,
    IReadOnlyList<ServiceIpView> ServiceIps,
    IReadOnlyList<InstanceView> Instances,
    IReadOnlyList<PortView>? Ports = null,
    IReadOnlyList<string>? Cmd = null,
    IReadOnlyList<string>? Environment = null,
    bool OneShot = false,
    [property: JsonPropertyName("memory")] long? MemoryMib = null,
    double? Vcpus = null,
    IReadOnlyList<string>? Nodes = null);

/// <summary>One of the SLA's port mappings: <see cref="Host"/> the node's side (not published), <see cref="Instance"/> the one it listens on.</summary>
public sealed record PortView(int Host, int Instance, string Protocol);

/// <summary>The answer to POST /applications: the services created, every application (also one without
/// microservices) and every field accepted but not acted on.</summary>
public sealed record DeployView(
    IReadOnlyList<ServiceView> Services, IReadOnlyList<ApplicationView> Applications, IReadOnlyList<IgnoredFieldView> IgnoredFields);

public sealed record ApplicationView(string ApplicationName, string ApplicationNamespace, IReadOnlyList<string> Services);

public sealed record IgnoredFieldView(string Field, string Reason);

/// <summary>
/// <see cref="LastHeard"/>: when the node's site was last heard by the root tier (null: not since this root started).
/// <see cref="Reason"/>: why its site refuses its registration (<see cref="Status"/> "Refused"), else null.
/// </summary>
public sealed record NodeView(
    string Cluster, string Node, string? SubnetV4, string? SubnetV6, string Status, int Instances,
    double Latitude, double Longitude, string? TunnelEndpoint, DateTime? LastHeard = null, bool Cordoned = false, string? Reason = null);

/// <summary>One site's link to the root tier: <see cref="Link"/> is connected, silent (nodes Unreachable) or lost (instances moved).</summary>
public sealed record SiteView(string Site, string Link, DateTime? LastHeard, int QueuedReports, int Nodes);

/// <summary>POST /nodes/{node}/drain and /uncordon: <see cref="Instances"/> are migrating away, <see cref="Skipped"/> cannot move now.</summary>
public sealed record DrainView(string Node, bool Cordoned, IReadOnlyList<string> Instances, IReadOnlyList<DrainSkipView> Skipped);

public sealed record DrainSkipView(string Instance, string Reason);

public sealed record AvailableAddressesView(string Pool, IReadOnlyList<string> Addresses);

/// <summary>One held address: <see cref="Kind"/> is service or instance, <see cref="Owner"/> the service id (with
/// <see cref="Policy"/>) or the instance id.</summary>
public sealed record HeldAddressView(string Pool, string Address, string Kind, string Owner, string? Policy);

/// <summary>One chunk of an instance's log (`oak logs`): <see cref="NextOffset"/> is where the next read starts;
/// <see cref="Running"/> false once the instance no longer runs where its log is (a follower stops after the last chunk).</summary>
public sealed record InstanceLogView(
    string Instance, string Site, string Node, long Offset, long NextOffset, long Length, string Text, bool Restarted, bool Running, string Status);

public sealed record ApiError(string Error, string? Field = null, string? Rule = null);

public sealed record NodeLocationView(string Node, int Updated, double Latitude, double Longitude);
