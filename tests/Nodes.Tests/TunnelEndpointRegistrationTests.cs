using Oakestra.Actors.ClusterOrchestrator.Actors;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>
/// Tunnel endpoints validated at registration (issue 14 item 5): a name that is no address is resolved once or the
/// worker is refused with a reason naming the endpoint; nobody else is held up.
/// </summary>
public class TunnelEndpointRegistrationTests(ITestOutputHelper output) : NodesTestKit(output)
{
    [Fact]
    public void A_worker_whose_tunnel_endpoint_does_not_resolve_is_refused_with_a_reason_and_the_other_workers_tables_keep_updating()
    {
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a");
        var owner = lab.StartWorker("a", "w1", orchestrator);
        var client = lab.StartWorker("a", "w2", orchestrator);
        // w9 is a real worker (it logs the refusal); the probe registers as it would, to read the answer.
        lab.StartWorker("a", "w9", orchestrator, tunnelEndpoint: "w9.invalid:50103");
        var w9 = CreateTestProbe();
        orchestrator.Tell(new RegisterWorker("a", "w9", "w9.invalid:50103", 0, 0, w9.Ref), w9.Ref);

        // .invalid never resolves (RFC 6761): refused, and the reason says which endpoint and what to do.
        var refused = w9.FishForMessage<WorkerRegistrationRefused>(_ => true, TimeSpan.FromSeconds(20));
        Assert.Equal("w9", refused.Node);
        Assert.Contains("'w9.invalid:50103'", refused.Reason);
        Assert.Contains("Oak:Node:TunnelEndpoint", refused.Reason);
        // Asked again (the worker repeats its registration): the same answer, from what the orchestrator remembers.
        orchestrator.Tell(new RegisterWorker("a", "w9", "w9.invalid:50103", 0, 0, w9.Ref), w9.Ref);
        Assert.Contains("'w9.invalid:50103'", w9.FishForMessage<WorkerRegistrationRefused>(_ => true, TimeSpan.FromSeconds(10)).Reason);

        // w1 and w2 registered; w9 got no subnets and is nobody's peer.
        Eventually(() => Assert.Equal(2, lab.Store.Read(s => s.Subnets.Count)), TimeSpan.FromSeconds(20));
        Assert.False(lab.Store.Read(s => s.Subnets.ContainsKey(("a", "w9"))));
        Eventually(() => Assert.Equal(["w1"], client.DataPlane.Last!.Peers.Select(p => p.Node).Where(n => n != "w2")));

        // The other workers' tables keep updating: a deployment on w1 reaches w2's table, and so does its next epoch.
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1, Svc.Instance(1, 0, Svc.On(owner, 1)))));
        client.DataPlane.Miss(Svc.InstanceV4(1, 0));
        client.DataPlane.Traffic(Svc.InstanceV4(1, 0), DateTime.MaxValue);
        Eventually(() => Assert.Equal((1L, "w1.lab:50103"), Target(client)));
        lab.Root.Tell(new ChangeService(Svc.Id(1), [new InstanceUpserted(Svc.Instance(1, 0, Svc.On(owner, 2)))]));
        Eventually(() => Assert.Equal((2L, "w1.lab:50103"), Target(client)));
        Assert.DoesNotContain(client.DataPlane.Last!.Peers, p => p.TunnelEndpoint.Contains("invalid", StringComparison.Ordinal));
    }

    [Fact]
    public void A_worker_whose_tunnel_endpoint_is_a_name_is_known_by_the_address_it_resolves_to()
    {
        using var lab = new Lab(Sys);
        var orchestrator = lab.StartOrchestrator("a");
        var named = lab.StartWorker("a", "w1", orchestrator, tunnelEndpoint: "localhost:50111");
        var client = lab.StartWorker("a", "w2", orchestrator);
        Eventually(() => Assert.Equal(2, lab.Store.Read(s => s.Subnets.Count)), TimeSpan.FromSeconds(20));

        // Its peers send to the address, the name is looked up once: the data plane never sees it.
        Eventually(() => Assert.Equal("127.0.0.1:50111", Assert.Single(client.DataPlane.Last!.Peers, p => p.Node == "w1").TunnelEndpoint));

        // An instance started on it names the address in its placement (the worker learnt it with its subnets),
        // which its orchestrator accepts as the worker's own, and a client routes to it there.
        lab.Root.Tell(new DefineService(Svc.Routes(1, 1)));
        lab.Root.Tell(new DeployInstance(Svc.Launch(1, 0), "a", "w1"));
        Eventually(() => Assert.Single(named.Host.Started), TimeSpan.FromSeconds(10));
        client.DataPlane.Miss(Svc.InstanceV4(1, 0));
        client.DataPlane.Traffic(Svc.InstanceV4(1, 0), DateTime.MaxValue);
        Eventually(() => Assert.Equal((1L, "127.0.0.1:50111"), Target(client)), TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("10.0.0.7:50103", "10.0.0.7:50103")]
    [InlineData("[fd00::7]:50103", "[fd00::7]:50103")]
    public void An_address_is_taken_as_it_is(string endpoint, string expected) =>
        Assert.Equal(expected, TunnelEndpoints.Parse(endpoint, out _, out _)?.Endpoint);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("10.0.0.7", "no port")]
    [InlineData("fd00::7", "no port")]
    [InlineData("w1.example:0", "no valid port")]
    [InlineData("w1.example:70000", "no valid port")]
    [InlineData("w1 example:50103", "neither an address nor a host name")]
    public void A_malformed_endpoint_is_refused_at_once_with_a_reason(string endpoint, string reason)
    {
        var check = TunnelEndpoints.Parse(endpoint, out _, out _);
        Assert.Null(check?.Endpoint);
        Assert.Contains(reason, check!.Refusal);
    }

    [Fact]
    public void A_host_name_is_left_for_the_lookup()
    {
        Assert.Null(TunnelEndpoints.Parse("w1.example:50103", out var host, out var port));
        Assert.Equal(("w1.example", 50103), (host, port));
    }

    private static (long, string?) Target(WorkerHandle worker)
    {
        var target = Assert.Single(worker.DataPlane.Service(Svc.Id(1))!.Instances);
        return (target.Epoch, target.TunnelEndpoint);
    }
}
