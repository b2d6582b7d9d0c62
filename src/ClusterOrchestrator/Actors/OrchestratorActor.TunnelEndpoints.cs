using Akka.Actor;
using Akka.Event;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

// Tunnel endpoints validated at registration (TunnelEndpoints holds the rules): an address is taken as it is, a host
// name is looked up once, off the actor's thread, and the registration handled again with the address; a refusal goes
// back to the worker (it logs it) and into the orchestrator's log. The other workers are not held up meanwhile.
public sealed partial class OrchestratorActor
{
    /// <summary>Names looked up so far: an address for good ("resolved once"), a refusal until <see cref="OrchestratorSettings.TunnelLookupRetry"/>.</summary>
    private readonly Dictionary<string, (TunnelEndpointCheck Check, DateTime AtUtc)> _tunnelNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(RegisterWorker Message, IActorRef Sender)>> _tunnelLookups = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Node, string Endpoint), DateTime> _refusalsReported = new();

    private sealed record TunnelEndpointLookedUp(string Endpoint, TunnelEndpointCheck Check);

    private void TunnelEndpointHandlers() => Receive<TunnelEndpointLookedUp>(OnTunnelEndpointLookedUp);

    /// <summary>The address the worker is known by, or null: refused (answered here) or waiting for its lookup.</summary>
    private string? TunnelEndpointOf(RegisterWorker msg)
    {
        var check = TunnelEndpoints.Parse(msg.TunnelEndpoint, out _, out _) ?? KnownName(msg.TunnelEndpoint);
        if (check is null)
        {
            LookUp(msg);
            return null;
        }
        if (check.Endpoint is { } endpoint) return endpoint;
        Sender.Tell(new WorkerRegistrationRefused(msg.Site, msg.Node, check.Refusal!));
        // Logged and told to the root (`oak nodes`) once per retry period, not at every repeat of the registration.
        var key = (msg.Node, msg.TunnelEndpoint);
        if (!_refusalsReported.TryGetValue(key, out var at) || DateTime.UtcNow - at >= _settings.TunnelLookupRetry)
        {
            _refusalsReported[key] = DateTime.UtcNow;
            _log.Warning("registration of worker {0} of site {1} refused: {2}", msg.Node, Site, check.Refusal);
            _root.Tell(new WorkerRefused(Site, msg.Node, msg.TunnelEndpoint, check.Refusal!));
        }
        return null;
    }

    private TunnelEndpointCheck? KnownName(string endpoint) =>
        _tunnelNames.TryGetValue(endpoint, out var known)
        && (known.Check.Endpoint is not null || DateTime.UtcNow - known.AtUtc < _settings.TunnelLookupRetry)
            ? known.Check
            : null;

    private void LookUp(RegisterWorker msg)
    {
        // One lookup per name at a time; registrations arriving meanwhile (the worker repeats its own) wait for it.
        var first = !_tunnelLookups.TryGetValue(msg.TunnelEndpoint, out var waiting);
        if (first) _tunnelLookups[msg.TunnelEndpoint] = waiting = new();
        waiting!.Add((msg, Sender));
        if (!first) return;
        var endpoint = msg.TunnelEndpoint;
        var lookup = _settings.LookupTunnelEndpoint ?? TunnelEndpoints.Dns(_settings.TunnelLookupTimeout);
        lookup(endpoint, CancellationToken.None).PipeTo(Self,
            success: check => new TunnelEndpointLookedUp(endpoint, check),
            failure: e => new TunnelEndpointLookedUp(endpoint,
                TunnelEndpointCheck.Refuse($"tunnel endpoint '{endpoint}' is not an address and looking it up failed: {e.GetBaseException().Message}")));
    }

    private void OnTunnelEndpointLookedUp(TunnelEndpointLookedUp done)
    {
        _tunnelNames[done.Endpoint] = (done.Check, DateTime.UtcNow);
        if (done.Check.Endpoint is { } address)
            _log.Info("tunnel endpoint {0} resolved to {1}: its worker is known by the address", done.Endpoint, address);
        if (!_tunnelLookups.Remove(done.Endpoint, out var waiting)) return;
        // Handled again (sender checks included), now with the answer known: the newest of each worker.
        foreach (var (message, sender) in waiting.GroupBy(w => (w.Message.Node, w.Message.Worker)).Select(g => g.Last()))
            Self.Tell(message, sender);
    }
}
