namespace Oakestra.Actors.Root.Api;

/// <summary>
/// What the HTTP endpoints need from the actors behind them. The API layer (validation, JSON, status
/// codes) and the actor layer (entities, pools) meet only here, so each can be tested without the other.
/// </summary>
public interface IControlPlane
{
    /// <summary><paramref name="requestKey"/>: the request's Idempotency-Key; sent again, the request creates nothing twice.</summary>
    Task<ControlResult<IReadOnlyList<ServiceView>>> CreateServicesAsync(IReadOnlyList<ServiceSpec> specs, string? requestKey, CancellationToken ct);

    Task<ControlResult<IReadOnlyList<ServiceView>>> CreateServicesAsync(IReadOnlyList<ServiceSpec> specs, CancellationToken ct) =>
        CreateServicesAsync(specs, null, ct);
    Task<IReadOnlyList<ServiceView>> ListServicesAsync(CancellationToken ct);
    Task<ControlResult<ServiceView>> GetServiceAsync(string serviceId, CancellationToken ct);
    Task<ControlResult<ServiceView>> DeleteServiceAsync(string serviceId, CancellationToken ct);
    Task<ControlResult<IReadOnlyList<InstanceView>>> DeployInstancesAsync(string serviceId, int count, string? node, string? requestKey, CancellationToken ct);

    Task<ControlResult<IReadOnlyList<InstanceView>>> DeployInstancesAsync(string serviceId, int count, string? node, CancellationToken ct) =>
        DeployInstancesAsync(serviceId, count, node, null, ct);
    Task<ControlResult<ServiceView>> ScaleAsync(string serviceId, int replicas, string? node, CancellationToken ct);
    Task<ControlResult<InstanceView>> GetInstanceAsync(string instanceId, CancellationToken ct);
    Task<ControlResult<InstanceView>> UndeployInstanceAsync(string instanceId, CancellationToken ct);
    Task<ControlResult<InstanceView>> MigrateAsync(string instanceId, string targetNode, CancellationToken ct);
    /// <summary>Cordons the node and migrates every instance on it elsewhere (make-before-break).</summary>
    Task<ControlResult<DrainView>> DrainNodeAsync(string node, CancellationToken ct);
    Task<ControlResult<DrainView>> UncordonNodeAsync(string node, CancellationToken ct);
    Task<ControlResult<AvailableAddressesView>> PreviewAddressesAsync(string pool, int ipVersion, int count, CancellationToken ct);
    /// <summary>Every Service IP and Instance IP held in the pools, with its owner as the pools record it.</summary>
    Task<ControlResult<IReadOnlyList<HeldAddressView>>> ListHeldAddressesAsync(CancellationToken ct);
    Task<IReadOnlyList<NodeView>> ListNodesAsync(CancellationToken ct);
    Task<IReadOnlyList<SiteView>> ListSitesAsync(CancellationToken ct);
    Task<ControlResult<NodeLocationView>> SetNodeLocationAsync(string node, double latitude, double longitude, CancellationToken ct);

    /// <summary>The route table and data-plane counters of one worker, asked of the worker itself through its
    /// site's orchestrator. <paramref name="site"/> picks among workers of the same name in several sites.</summary>
    Task<ControlResult<NodeTableView>> GetNodeTableAsync(string node, string? site, CancellationToken ct);

    /// <summary>One chunk of an instance's output, read by the worker that runs (or last ran) it through its site's
    /// orchestrator: from byte <paramref name="offset"/>, or its last <paramref name="tailLines"/> lines.</summary>
    Task<ControlResult<InstanceLogView>> ReadInstanceLogAsync(string instanceId, long offset, int? tailLines, CancellationToken ct);
}

/// <summary>Thrown by list operations when the actors do not answer in time; the API answers 503.</summary>
public sealed class ControlPlaneUnavailableException(string message) : Exception(message);

/// <summary>A validated microservice of an SLA: names checked, requested addresses parsed (keyed by SLA field, e.g. rr_ip).</summary>
public sealed record ServiceSpec(
    string Application,
    string ApplicationNamespace,
    string Name,
    string Namespace,
    string Virtualization,
    string Code,
    int? Port,
    string? ConstraintNode,
    string? ConstraintCluster,
    IReadOnlyDictionary<string, System.Net.IPAddress> RequestedAddresses,
    string? Path = null)
{
    /// <summary>The SLA's <c>cmd</c>: replaces a container image's command (null keeps it).</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>The SLA's <c>environment</c>: <c>K=V</c> entries.</summary>
    public IReadOnlyList<string>? Environment { get; init; }

    /// <summary>The SLA's <c>port</c> mappings; <see cref="Port"/> is the readiness port taken from them.</summary>
    public IReadOnlyList<Entities.Services.ServicePort>? Ports { get; init; }

    /// <summary>A <c>direct</c> constraint naming several nodes (placement on any of them); null for one node
    /// (<see cref="ConstraintNode"/>) or none.</summary>
    public IReadOnlyList<string>? ConstraintNodes { get; init; }

    /// <summary>The SLA's <c>one_shot</c>: an instance that exits 0 is Completed, not placed again.</summary>
    public bool OneShot { get; init; }

    /// <summary>The SLA's <c>memory</c> and <c>vcpus</c>, for the worker's runtime to enforce.</summary>
    public Contracts.Protocol.InstanceLimits? Limits { get; init; }

    /// <summary>The JSON path of a property of this microservice in its SLA document (for errors).</summary>
    public string FieldPath(string property) => Path is null ? property : $"{Path}.{property}";

    public string Id => $"{Application}.{ApplicationNamespace}.{Name}.{Namespace}";
}

/// <summary>Unavailable → 503 (known not to answer), Timeout → 504 (asked, no answer in time).</summary>
public enum ControlErrorKind { Invalid, NotFound, Conflict, Exhausted, Unavailable, Timeout }

/// <summary>An error the API turns into a 4xx/5xx: the kind picks the status, field and rule go to the body.</summary>
public sealed record ControlError(ControlErrorKind Kind, string Message, string? Field = null, string? Rule = null);

public readonly record struct ControlResult<T>(T? Value, ControlError? Error)
{
    public bool Ok => Error is null;
    public static ControlResult<T> Success(T value) => new(value, null);
    public static ControlResult<T> Fail(ControlError error) => new(default, error);
    public static implicit operator ControlResult<T>(ControlError error) => Fail(error);
    public static implicit operator ControlResult<T>(T value) => Success(value);
}
