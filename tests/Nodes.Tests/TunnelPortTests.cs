using Oakestra.Actors.WorkerNode.Hosting;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>The worker's tunnel listens on the port of the endpoint it registers, also when that endpoint's host is a name.</summary>
public sealed class TunnelPortTests
{
    [Theory]
    [InlineData("w1.example:50200", 50200)] // a name: was 50103 while the orchestrator told every peer 50200
    [InlineData("10.0.0.7:50300", 50300)]
    [InlineData("[fd00::7]:50400", 50400)]
    [InlineData("w1.example", 50103)]
    [InlineData("fd00::7", 50103)]
    [InlineData("", 50103)]
    public void The_tunnel_port_is_the_registered_endpoints(string endpoint, int port) =>
        Assert.Equal(port, NamespaceRuntimeHosting.TunnelPortOf(endpoint));
}
