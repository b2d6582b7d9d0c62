using Oakestra.Actors.ClusterOrchestrator.Actors;

namespace Oakestra.Actors.Nodes.Tests.Fakes;

/// <summary>
/// The in-process labs name their workers' tunnel endpoints <c>&lt;node&gt;.lab:50103</c>: their recording data planes
/// send nowhere, so these names are taken as they are. Every other name goes to DNS, as at a real orchestrator.
/// </summary>
public static class LabTunnelNames
{
    private static readonly TunnelEndpointLookup Dns = TunnelEndpoints.Dns(TimeSpan.FromSeconds(5));

    public static readonly TunnelEndpointLookup Lookup = (endpoint, ct) =>
        endpoint.EndsWith(".lab:50103", StringComparison.Ordinal) ? Task.FromResult(TunnelEndpointCheck.Accept(endpoint)) : Dns(endpoint, ct);
}
