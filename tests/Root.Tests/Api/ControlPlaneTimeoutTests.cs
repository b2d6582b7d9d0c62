using Akka.TestKit.Xunit2;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Entities;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>Entities that do not answer make the control plane say "unavailable" (HTTP 503), never hang.</summary>
public sealed class ControlPlaneTimeoutTests() : TestKit("akka.test.timefactor = 3")
{
    private ActorControlPlane Silent()
    {
        var silent = CreateTestProbe().Ref;
        var pools = new AddressPools(silent, PoolCatalog.Default(), PoolSettings.Default with { AskTimeout = TimeSpan.FromMilliseconds(300) });
        var refs = new RootRefs(pools, RootSettings.Default with { AskTimeout = TimeSpan.FromMilliseconds(300) })
        {
            Services = silent, Instances = silent, Sites = silent, Directory = silent,
        };
        return new ActorControlPlane(refs);
    }

    [Fact]
    public async Task Silent_entities_give_unavailable_results()
    {
        IControlPlane cp = Silent();
        Assert.Equal(ControlErrorKind.Unavailable, (await cp.GetServiceAsync("a.b.c.d", default)).Error!.Kind);
        Assert.Equal(ControlErrorKind.Unavailable, (await cp.GetInstanceAsync("a.b.c.d.0", default)).Error!.Kind);
        Assert.Equal(ControlErrorKind.Unavailable, (await cp.DeployInstancesAsync("a.b.c.d", 1, null, default)).Error!.Kind);
        Assert.Equal(ControlErrorKind.Unavailable, (await cp.PreviewAddressesAsync("round_robin", 4, 1, default)).Error!.Kind);
        await Assert.ThrowsAsync<ControlPlaneUnavailableException>(() => cp.ListServicesAsync(default));
        await Assert.ThrowsAsync<ControlPlaneUnavailableException>(() => cp.ListNodesAsync(default));
        Assert.Equal(ControlErrorKind.Unavailable, (await cp.GetNodeTableAsync("w1", null, default)).Error!.Kind);
    }
}
