using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Tunnel;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>What the worker's readiness reads of its loop: whether every loop thread runs.</summary>
public sealed class LoopLivenessTests
{
    [Fact]
    public void NotRunning_says_not_started_then_nothing_while_it_runs_then_stopped()
    {
        using var tunnel = UdpTunnel.Open(new UdpTunnelOptions { Port = 0 });
        var loop = new ForwardingLoop<PeerForwardProcessor>(new PeerForwardProcessor(), null, tunnel, new ForwardingLoopOptions());
        Assert.Equal("not started", loop.NotRunning);
        loop.Start();
        Assert.True(Wait.Until(() => loop.NotRunning is null), loop.NotRunning);
        loop.Dispose();
        Assert.Equal("stopped", loop.NotRunning);
    }
}
