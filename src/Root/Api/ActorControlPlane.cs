using System.Net;
using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Api.Sla;
using Oakestra.Actors.Root.Entities;
using Oakestra.Actors.Root.Entities.Directory;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Entities.Sites;
using Oakestra.Actors.Root.Pools;
using ServiceDescriptor = Oakestra.Actors.Root.Entities.Services.ServiceDescriptor;

namespace Oakestra.Actors.Root.Api;

/// <summary>
/// <see cref="IControlPlane"/> over the root's entities: one ask per entity, a timeout is 503. Service IPs
/// are allocated here, for a whole SLA document at once, so a rejected document can roll every one of
/// them back (without quarantine: nobody ever saw them) before any Service entity exists.
/// </summary>
public sealed class ActorControlPlane(RootRefs refs) : IControlPlane
{
    private TimeSpan Timeout => refs.Settings.AskTimeout;

    public async Task<ControlResult<IReadOnlyList<ServiceView>>> CreateServicesAsync(IReadOnlyList<ServiceSpec> specs, string? requestKey, CancellationToken ct)
    {
        try
        {
            // Every id reserved before any address is allocated: of identical documents posted at once, one goes on
            // and the others answer 409 without touching a pool (their rollback would release the winner's addresses).
            // A keyed request sent again finds what it created already (before a timeout or a crash of the root) and
            // creates only the rest.
            var claimant = RequestKeys.Claimant(requestKey);
            var reserved = new List<string>();
            var created = new Dictionary<string, ServiceView>(StringComparer.Ordinal);
            foreach (var spec in specs)
            {
                var answer = await Ask(refs.Services, new ReserveServiceId(spec.Id, claimant), ct);
                if (answer is ServiceIdReserved)
                {
                    reserved.Add(spec.Id);
                    continue;
                }
                if (answer is ServiceInfo mine)
                {
                    created[spec.Id] = mine.State.ToView();
                    continue;
                }
                foreach (var id in reserved) refs.Services.Tell(new ReleaseServiceId(id, claimant));
                return new ControlError(ControlErrorKind.Conflict, $"service {spec.Id} already exists", spec.FieldPath("microservice_name"), "unique");
            }
            try
            {
                var rest = specs.Where(s => !created.ContainsKey(s.Id)).ToList();
                var result = rest.Count == 0 ? ControlResult<IReadOnlyList<ServiceView>>.Success([]) : await CreateReservedAsync(rest, claimant, ct);
                if (!result.Ok) return result;
                foreach (var view in result.Value!) created[view.Id] = view;
                return ControlResult<IReadOnlyList<ServiceView>>.Success([.. specs.Select(s => created[s.Id])]);
            }
            finally
            {
                // Created ones dropped their reservation already; this frees the rest after a failure.
                foreach (var id in reserved) refs.Services.Tell(new ReleaseServiceId(id, claimant));
            }
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
    }

    private async Task<ControlResult<IReadOnlyList<ServiceView>>> CreateReservedAsync(IReadOnlyList<ServiceSpec> specs, string claimant, CancellationToken ct)
    {
        var allocated = new List<string>();
        var addressesBySpec = new List<IReadOnlyList<ServiceAddress>>();
        foreach (var spec in specs)
        {
            var addresses = new List<ServiceAddress>();
            foreach (var policy in BalancingPolicies.All)
            {
                var owner = PoolOwners.Service(spec.Id, policy);
                allocated.Add(owner);
                var (v4Field, v4Requested) = Requested(spec, policy, System.Net.Sockets.AddressFamily.InterNetwork);
                var v4 = await refs.Pools.AllocateV4Async(owner, v4Requested is null ? null : Ipv4Address.From(v4Requested), ct: ct);
                if (!v4.Ok) return await RollBack(allocated, ToError(v4.Error!, spec, v4Field));
                var (v6Field, v6Requested) = Requested(spec, policy, System.Net.Sockets.AddressFamily.InterNetworkV6);
                var v6 = await refs.Pools.AllocateV6Async(PoolNames.PolicyV6(policy), owner, v6Requested is null ? null : Ipv6Address.From(v6Requested), ct: ct);
                if (!v6.Ok) return await RollBack(allocated, ToError(v6.Error!, spec, v6Field));
                addresses.Add(new ServiceAddress(policy, v4.Value, v6.Value));
            }
            addressesBySpec.Add(addresses);
        }

        var views = new List<ServiceView>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var descriptor = new ServiceDescriptor(spec.Id, spec.Application, spec.ApplicationNamespace, spec.Name, spec.Namespace,
                spec.Virtualization, spec.Code, spec.Port, spec.ConstraintNode, spec.ConstraintCluster, spec.Command, spec.Environment,
                spec.Ports, spec.ConstraintNodes, spec.OneShot, spec.Limits);
            switch (await Ask(refs.Services, new CreateService(descriptor, addressesBySpec[i], claimant), ct))
            {
                case ServiceInfo info:
                    views.Add(info.State.ToView());
                    break;
                case ServiceReservationLost:
                    // Nothing is released here: services of this document may exist with their addresses already; what this
                    // spec allocated is reclaimed by the address audit, since no service ever confirms holding it.
                    return new ControlError(ControlErrorKind.Unavailable,
                        $"service {spec.Id} was not created: allocating its addresses took longer than its reservation " +
                        $"({refs.Settings.ServiceReservation.TotalSeconds:0} s); send the request again (with the same Idempotency-Key)", spec.FieldPath("microservice_name"));
                default:
                    // Only when our reservation ran out (an allocation slower than its lifetime) and another request created
                    // the service meanwhile. Nothing is released: the owners are named after the id, so what this request
                    // allocated may be what the service now holds.
                    return new ControlError(ControlErrorKind.Conflict, $"service {spec.Id} already exists", spec.FieldPath("microservice_name"), "unique");
            }
        }
        return ControlResult<IReadOnlyList<ServiceView>>.Success(views);
    }

    private static (string? Field, IPAddress? Address) Requested(ServiceSpec spec, string policy, System.Net.Sockets.AddressFamily family)
    {
        var field = RequestedAddressFields.All.FirstOrDefault(f => f.Policy == policy && f.Family == family);
        return field is not null && spec.RequestedAddresses.TryGetValue(field.Field, out var a)
            ? (spec.FieldPath($"addresses.{field.Field}"), a)
            : (null, null);
    }

    private async Task<ControlError> RollBack(IEnumerable<string> owners, ControlError error)
    {
        foreach (var owner in owners) await refs.Pools.ReleaseOwnerEverywhereAsync(owner, quarantine: false);
        return error;
    }

    /// <summary>Pool errors → API errors: a taken requested address names its SLA field, an exhausted pool names the pool.</summary>
    public static ControlError ToError(PoolError e, ServiceSpec? spec = null, string? field = null) => e.Kind switch
    {
        PoolErrorKind.Taken or PoolErrorKind.Quarantined or PoolErrorKind.Reserved =>
            new ControlError(ControlErrorKind.Conflict, $"{e.Address ?? "the address"} cannot be allocated from pool {e.Pool}: {e.Message}", field ?? e.Pool, e.Kind.ToString().ToLowerInvariant()),
        PoolErrorKind.Exhausted =>
            new ControlError(ControlErrorKind.Exhausted, $"pool {e.Pool} is exhausted", e.Pool, "exhausted"),
        PoolErrorKind.OutsidePool or PoolErrorKind.InvalidAddress =>
            new ControlError(ControlErrorKind.Invalid, $"{e.Address} is not an address of pool {e.Pool}: {e.Message}", field ?? e.Pool, "range"),
        PoolErrorKind.Unavailable => new ControlError(ControlErrorKind.Unavailable, e.Message, e.Pool),
        _ => new ControlError(ControlErrorKind.Conflict, e.Message, field ?? e.Pool, e.Kind.ToString().ToLowerInvariant()),
    };

    public async Task<IReadOnlyList<ServiceView>> ListServicesAsync(CancellationToken ct)
    {
        try
        {
            var ids = (ServiceIds)await Ask(refs.Directory, new ListServiceIds(), ct);
            var answers = await Task.WhenAll(ids.Ids.Select(id => Ask(refs.Services, new GetService(id), ct)));
            return answers.OfType<ServiceInfo>().Select(i => i.State.ToView()).ToArray();
        }
        catch (AskTimeoutException e)
        {
            throw new ControlPlaneUnavailableException(e.Message);
        }
    }

    public Task<ControlResult<ServiceView>> GetServiceAsync(string serviceId, CancellationToken ct) =>
        ServiceCall(serviceId, new GetService(serviceId), ct);

    public Task<ControlResult<ServiceView>> DeleteServiceAsync(string serviceId, CancellationToken ct) =>
        ServiceCall(serviceId, new DeleteService(serviceId), ct);

    public async Task<ControlResult<IReadOnlyList<InstanceView>>> DeployInstancesAsync(string serviceId, int count, string? node, string? requestKey, CancellationToken ct)
    {
        try
        {
            return await Ask(refs.Services, new AddInstances(serviceId, count, node, requestKey), ct) switch
            {
                InstancesCreated c => ControlResult<IReadOnlyList<InstanceView>>.Success(
                    c.Instances.Select(i => i.ToView(serviceId, c.State.DetailOf(i.InstanceId))).ToArray()),
                PoolError e => ToError(e),
                _ => ServiceNotFound(serviceId),
            };
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
    }

    public async Task<ControlResult<ServiceView>> ScaleAsync(string serviceId, int replicas, string? node, CancellationToken ct)
    {
        try
        {
            if (await Ask(refs.Services, new GetService(serviceId), ct) is not ServiceInfo info) return ServiceNotFound(serviceId);
            var missing = replicas - info.State.Instances.Count;
            object answer = missing switch
            {
                > 0 => await Ask(refs.Services, new AddInstances(serviceId, missing, node), ct),
                < 0 => await Ask(refs.Services, new ScaleDown(serviceId, replicas), ct),
                _ => info,
            };
            return answer switch
            {
                InstancesCreated c => c.State.ToView(),
                ServiceInfo s => s.State.ToView(),
                PoolError e => ToError(e),
                _ => ServiceNotFound(serviceId),
            };
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
    }

    public Task<ControlResult<InstanceView>> GetInstanceAsync(string instanceId, CancellationToken ct) =>
        InstanceCall(instanceId, new GetInstance(instanceId), ct);

    public Task<ControlResult<InstanceView>> UndeployInstanceAsync(string instanceId, CancellationToken ct) =>
        InstanceCall(instanceId, new UndeployInstance(instanceId, FromService: false), ct);

    public Task<ControlResult<InstanceView>> MigrateAsync(string instanceId, string targetNode, CancellationToken ct) =>
        InstanceCall(instanceId, new MigrateInstance(instanceId, targetNode), ct);

    public async Task<ControlResult<DrainView>> DrainNodeAsync(string node, CancellationToken ct)
    {
        DrainPlan plan;
        try
        {
            plan = (DrainPlan)await Ask(refs.Sites, new DrainNode(node), ct);
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
        if (!plan.Found) return new ControlError(ControlErrorKind.NotFound, $"node {node} is not registered", "node", "not_found");
        var moving = new List<string>();
        var skipped = new List<DrainSkipView>();
        foreach (var move in plan.Moves)
        {
            if (move.TargetNode is null) { skipped.Add(new DrainSkipView(move.InstanceId, move.Reason!)); continue; }
            var r = await MigrateAsync(move.InstanceId, move.TargetNode, ct);
            if (r.Ok) moving.Add(move.InstanceId);
            else skipped.Add(new DrainSkipView(move.InstanceId, r.Error!.Message));
        }
        return new DrainView(node, true, moving, skipped);
    }

    public async Task<ControlResult<DrainView>> UncordonNodeAsync(string node, CancellationToken ct)
    {
        try
        {
            var plan = (DrainPlan)await Ask(refs.Sites, new UncordonNode(node), ct);
            return plan.Found ? new DrainView(node, false, [], []) : new ControlError(ControlErrorKind.NotFound, $"node {node} is not registered", "node", "not_found");
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
    }

    public async Task<ControlResult<IReadOnlyList<HeldAddressView>>> ListHeldAddressesAsync(CancellationToken ct)
    {
        var views = new List<HeldAddressView>();
        foreach (var pool in refs.Pools.Catalog.AddressPools)
        {
            var held = await refs.Pools.HeldAsync(pool.Name, ct);
            if (!held.Ok) return ToError(held.Error!);
            foreach (var lease in held.Value!)
            {
                var (kind, id) = PoolOwners.Parse(lease.Owner);
                views.Add(PoolOwners.AsService(lease.Owner) is { } s
                    ? new HeldAddressView(pool.Name, lease.Address, kind, s.ServiceId, s.Policy)
                    : new HeldAddressView(pool.Name, lease.Address, kind, id, null));
            }
        }
        return ControlResult<IReadOnlyList<HeldAddressView>>.Success(views);
    }

    public async Task<ControlResult<AvailableAddressesView>> PreviewAddressesAsync(string pool, int ipVersion, int count, CancellationToken ct)
    {
        if (PoolNames.ForApi(pool, ipVersion) is not { } name)
            return new ControlError(ControlErrorKind.Invalid, $"unknown pool '{pool}' for IPv{ipVersion} (instance, {string.Join(", ", BalancingPolicies.All)})", "pool", "pool");
        var r = await refs.Pools.PreviewAsync(name, count, ct);
        return r.Ok ? new AvailableAddressesView(name, r.Value!) : ToError(r.Error!);
    }

    public async Task<IReadOnlyList<NodeView>> ListNodesAsync(CancellationToken ct)
    {
        try
        {
            var list = (NodeList)await Ask(refs.Sites, new ListNodes(), ct);
            DateTime? Heard(string site) => list.LastHeardUtc.TryGetValue(site, out var heard) ? heard : null;
            var refused = (list.Refused ?? []).ToDictionary(r => (r.Site, r.Node));
            // A refused worker shows as Refused with its reason: in its node's row when it registered before, else in a row of its own.
            var known = list.Nodes.Select(n => n.ToView(list.InstancesPerNode.GetValueOrDefault(n.Key), Heard(n.Site)) is var view
                && refused.TryGetValue((n.Site, n.Node), out var r) ? view with { Status = "Refused", Reason = r.Reason } : view);
            var unknown = refused.Values.Where(r => !list.Nodes.Any(n => n.Site == r.Site && n.Node == r.Node))
                .Select(r => new NodeView(r.Site, r.Node, null, null, "Refused", 0, 0, 0, r.TunnelEndpoint, Heard(r.Site), Reason: r.Reason));
            return known.Concat(unknown).OrderBy(n => n.Cluster, StringComparer.Ordinal).ThenBy(n => n.Node, StringComparer.Ordinal).ToArray();
        }
        catch (AskTimeoutException e)
        {
            throw new ControlPlaneUnavailableException(e.Message);
        }
    }

    public async Task<IReadOnlyList<SiteView>> ListSitesAsync(CancellationToken ct)
    {
        try
        {
            var list = (SiteList)await Ask(refs.Sites, new ListSites(), ct);
            return list.Sites.Select(s => new SiteView(s.Site, s.Link, s.LastHeardUtc, s.QueuedReports, s.Nodes)).ToArray();
        }
        catch (AskTimeoutException e)
        {
            throw new ControlPlaneUnavailableException(e.Message);
        }
    }

    public async Task<ControlResult<NodeLocationView>> SetNodeLocationAsync(string node, double latitude, double longitude, CancellationToken ct)
    {
        try
        {
            var set = (NodeLocationSet)await Ask(refs.Sites, new SetNodeLocation(node, latitude, longitude), ct);
            return set.Updated == 0
                ? new ControlError(ControlErrorKind.NotFound, $"node {node} is not registered", "node")
                : new NodeLocationView(node, set.Updated, latitude, longitude);
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
    }

    /// <summary>How long `oak table` waits for the worker: a user is waiting, and a live worker answers in milliseconds.</summary>
    public TimeSpan NodeTableTimeout => Timeout < TimeSpan.FromSeconds(5) ? Timeout : TimeSpan.FromSeconds(5);

    public async Task<ControlResult<NodeTableView>> GetNodeTableAsync(string node, string? site, CancellationToken ct)
    {
        NodeRecord? record;
        try
        {
            var list = (NodeList)await Ask(refs.Sites, new ListNodes(), ct);
            record = list.Nodes.Where(n => n.Node == node && (site is null || n.Site == site))
                .OrderBy(n => n.State == Contracts.Protocol.WorkerState.Up ? 0 : 1).ThenBy(n => n.Site, StringComparer.Ordinal)
                .FirstOrDefault();
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
        if (record is null)
            return new ControlError(ControlErrorKind.NotFound, $"node {node} is not registered{(site is null ? "" : $" in site {site}")}", "node", "not_found");
        if (record.State != Contracts.Protocol.WorkerState.Up)
            return new ControlError(ControlErrorKind.Unavailable,
                $"node {node} of site {record.Site} is {record.State.ToString().ToLowerInvariant()}: its table cannot be read", "node", "unreachable");

        try
        {
            // The registry forwards to the site's orchestrator, which forwards to the worker; the answer comes straight here.
            var query = new Contracts.Protocol.QueryNodeTable(record.Site, node);
            return await refs.Sites.Ask<object>(new ForwardToSite(record.Site, query), NodeTableTimeout, ct) switch
            {
                Contracts.Protocol.NodeTable t => t.ToView(),
                Contracts.Protocol.NodeTableUnavailable u => new ControlError(ControlErrorKind.Unavailable, u.Reason, "node", "unreachable"),
                var other => new ControlError(ControlErrorKind.Unavailable, $"node {node} answered with {other?.GetType().Name ?? "nothing"}", "node", "unreachable"),
            };
        }
        catch (AskTimeoutException)
        {
            return new ControlError(ControlErrorKind.Timeout,
                $"node {node} of site {record.Site} did not answer within {NodeTableTimeout.TotalSeconds:0.#} s", "node", "timeout");
        }
    }

    public async Task<ControlResult<InstanceLogView>> ReadInstanceLogAsync(string instanceId, long offset, int? tailLines, CancellationToken ct)
    {
        InstanceState state;
        try
        {
            if (await Ask(refs.Instances, new GetInstance(instanceId), ct) is not InstanceInfo info)
                return new ControlError(ControlErrorKind.NotFound, $"no instance {instanceId}", "id");
            state = info.State;
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
        // The placement serving now, else the one starting, else where it ran last (a failed or completed instance's
        // output stays on that worker).
        var where = state.Owner ?? state.Pending?.Reported ?? state.LastPlacement;
        if (where is null)
            return new ControlError(ControlErrorKind.NotFound, $"instance {instanceId} has not run anywhere yet ({state.Status})", "id", "not_placed");
        try
        {
            var query = new Contracts.Protocol.ReadInstanceLog(where.Cluster, where.Node, instanceId, offset, tailLines, Contracts.Protocol.ReadInstanceLog.MaxChunkBytes);
            return await refs.Sites.Ask<object>(new ForwardToSite(where.Cluster, query), NodeTableTimeout, ct) switch
            {
                Contracts.Protocol.InstanceLogChunk c => new InstanceLogView(instanceId, where.Cluster, where.Node, c.Offset, c.NextOffset, c.Length,
                    c.Text, c.Restarted, c.Running, state.Status.ToString()),
                Contracts.Protocol.InstanceLogUnavailable u => new ControlError(ControlErrorKind.Unavailable, u.Reason, "node", "unreachable"),
                var other => new ControlError(ControlErrorKind.Unavailable, $"node {where.Node} answered with {other?.GetType().Name ?? "nothing"}", "node", "unreachable"),
            };
        }
        catch (AskTimeoutException)
        {
            return new ControlError(ControlErrorKind.Timeout,
                $"node {where.Node} of site {where.Cluster} did not answer within {NodeTableTimeout.TotalSeconds:0.#} s", "node", "timeout");
        }
    }

    private async Task<ControlResult<ServiceView>> ServiceCall(string serviceId, object command, CancellationToken ct)
    {
        try
        {
            return await Ask(refs.Services, command, ct) switch
            {
                ServiceInfo i => i.State.ToView(),
                _ => ServiceNotFound(serviceId),
            };
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
    }

    private async Task<ControlResult<InstanceView>> InstanceCall(string instanceId, object command, CancellationToken ct)
    {
        try
        {
            return await Ask(refs.Instances, command, ct) switch
            {
                InstanceInfo i => i.State.ToView(),
                InstanceRejected r => new ControlError(ControlErrorKind.Conflict, r.Reason, r.Field, "state"),
                _ => new ControlError(ControlErrorKind.NotFound, $"no instance {instanceId}", "id"),
            };
        }
        catch (AskTimeoutException e)
        {
            return Unavailable(e);
        }
    }

    private Task<object> Ask(IActorRef target, object message, CancellationToken ct) => target.Ask<object>(message, Timeout, ct);

    private static ControlError ServiceNotFound(string serviceId) => new(ControlErrorKind.NotFound, $"no service {serviceId}", "id");

    private static ControlError Unavailable(Exception e) => new(ControlErrorKind.Unavailable, $"control plane not ready: {e.Message}");
}
