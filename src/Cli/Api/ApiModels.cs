using System.Text.Json.Serialization;

namespace Oakestra.Actors.Cli.Api;

// The JSON shapes of docs/API.md as the CLI reads them. Every field is optional here: the CLI must show
// what the root sends, not crash on a field a newer root adds or an older one lacks.

public sealed record ServiceIp(
    [property: JsonPropertyName("policy")] string? Policy,
    [property: JsonPropertyName("ipv4")] string? Ipv4,
    [property: JsonPropertyName("ipv6")] string? Ipv6);

public sealed record Placement(
    [property: JsonPropertyName("cluster")] string? Cluster,
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("namespace_ipv4")] string? NamespaceIpv4,
    [property: JsonPropertyName("namespace_ipv6")] string? NamespaceIpv6,
    [property: JsonPropertyName("tunnel_endpoint")] string? TunnelEndpoint,
    [property: JsonPropertyName("epoch")] long Epoch,
    // Not in API.md: if a root ever reports the namespace name itself, `oak exec` prefers it.
    [property: JsonPropertyName("netns")] string? Netns = null);

public sealed record Instance(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("service_id")] string? ServiceId,
    [property: JsonPropertyName("number")] int Number,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("instance_ipv4")] string? InstanceIpv4,
    [property: JsonPropertyName("instance_ipv6")] string? InstanceIpv6,
    [property: JsonPropertyName("epoch")] long Epoch,
    [property: JsonPropertyName("placement")] Placement? Placement,
    [property: JsonPropertyName("migration_target")] Placement? MigrationTarget,
    [property: JsonPropertyName("last_failure")] string? LastFailure = null,
    [property: JsonPropertyName("last_failure_at")] DateTimeOffset? LastFailureAt = null,
    [property: JsonPropertyName("next_attempt_at")] DateTimeOffset? NextAttemptAt = null);

public sealed record Service(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("application")] string? Application,
    [property: JsonPropertyName("application_namespace")] string? ApplicationNamespace,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("namespace")] string? Namespace,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("port")] int? Port,
    [property: JsonPropertyName("virtualization")] string? Virtualization,
    [property: JsonPropertyName("service_ips")] IReadOnlyList<ServiceIp>? ServiceIps,
    [property: JsonPropertyName("instances")] IReadOnlyList<Instance>? Instances);

public sealed record Node(
    [property: JsonPropertyName("cluster")] string? Cluster,
    [property: JsonPropertyName("node")] string Name,
    [property: JsonPropertyName("subnet_v4")] string? SubnetV4,
    [property: JsonPropertyName("subnet_v6")] string? SubnetV6,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("instances")] int Instances,
    [property: JsonPropertyName("latitude")] double Latitude,
    [property: JsonPropertyName("longitude")] double Longitude,
    [property: JsonPropertyName("tunnel_endpoint")] string? TunnelEndpoint,
    // ISO-8601 UTC or null; kept as text so that a root that sends something else shows "-" instead of failing.
    [property: JsonPropertyName("last_heard")] string? LastHeard = null,
    [property: JsonPropertyName("cordoned")] bool Cordoned = false,
    [property: JsonPropertyName("reason")] string? Reason = null);

/// <summary>A site's link to the root tier (GET /api/v1/sites). <c>nodes</c> is shown as sent: a count or names.</summary>
public sealed record Site(
    [property: JsonPropertyName("site")] string? Name,
    [property: JsonPropertyName("link")] string? Link,
    [property: JsonPropertyName("last_heard")] string? LastHeard,
    [property: JsonPropertyName("queued_reports")] long? QueuedReports,
    [property: JsonPropertyName("nodes")] System.Text.Json.Nodes.JsonNode? Nodes);

/// <summary>POST /api/v1/nodes/{node}/drain: the instances being moved off the node.</summary>
public sealed record Drain(
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("instances")] IReadOnlyList<string>? Instances,
    [property: JsonPropertyName("skipped")] IReadOnlyList<DrainSkip>? Skipped = null);

public sealed record DrainSkip(
    [property: JsonPropertyName("instance")] string? Instance,
    [property: JsonPropertyName("reason")] string? Reason);

public sealed record CreatedServices(
    [property: JsonPropertyName("services")] IReadOnlyList<Service> Services,
    [property: JsonPropertyName("ignored_fields")] IReadOnlyList<IgnoredField>? IgnoredFields = null);

/// <summary>An SLA field the root accepted but does not act on, and why.</summary>
public sealed record IgnoredField(
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("reason")] string Reason);

public sealed record ApiErrorBody(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("field")] string? Field,
    [property: JsonPropertyName("rule")] string? Rule);

/// <summary>GET /api/v1/addresses/held: one address and who holds it.</summary>
public sealed record HeldAddress(string Pool, string Address, string Kind, string Owner, string? Policy);
