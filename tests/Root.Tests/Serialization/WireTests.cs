using Akka.Actor;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Serialization;

/// <summary>Two ActorSystems in one process, joined over Akka.Remote on 127.0.0.1.</summary>
public sealed class WireTests
{
    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            Receive<ServiceDelta>(d => Sender.Tell(d));
            Receive<ServiceRoutesSnapshot>(d => Sender.Tell(d));
            // Answer to the ref carried in the message, not to the sender: the ref must have survived the wire.
            Receive<ResolveRoute>(r => r.Orchestrator.Tell(new RouteFound(r.Address, MessageSamples.Routes)));
        }
    }

    private sealed class Capture : ReceiveActor
    {
        public Capture(TaskCompletionSource<object> got) => ReceiveAny(m => got.TrySetResult(m));
    }

    [Fact]
    public async Task A_service_delta_and_a_message_carrying_an_actor_ref_cross_the_wire()
    {
        await using var a = await TestRoot.StartAsync(role: OakestraRoles.Orchestrator);
        await using var b = await TestRoot.StartAsync(role: OakestraRoles.Worker, seeds: a.Address.ToString());
        try
        {
            a.System.ActorOf(Props.Create(() => new Echo()), "echo");
            var echo = b.System.ActorSelection(new RootActorPath(a.Address) / "user" / "echo");

            var delta = MessageSamples.Delta;
            var back = await echo.Ask<ServiceDelta>(delta, TimeSpan.FromSeconds(45));
            Assert.NotSame(delta, back);
            Assert.Equal(StructuralJson.Of(delta), StructuralJson.Of(back));
            Assert.IsType<InstanceUpserted>(back.Changes[0]);

            var got = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            var capture = b.System.ActorOf(Props.Create(() => new Capture(got)), "capture");
            var key = new RouteKey(null, Oakestra.Actors.Contracts.Addressing.Ipv6Address.Parse("fdff:2000::1"));
            echo.Tell(new ResolveRoute("site1", capture, key));
            var found = Assert.IsType<RouteFound>(await got.Task.WaitAsync(TimeSpan.FromSeconds(45)));
            Assert.Equal(key, found.Address);
            Assert.Equal(StructuralJson.Of(MessageSamples.Routes), StructuralJson.Of(found.Routes));
        }
        finally
        {
            TestRoot.DeleteDataDir(a.DataDir);
            TestRoot.DeleteDataDir(b.DataDir);
        }
    }

    [Fact]
    public async Task A_snapshot_of_a_service_with_1500_instances_crosses_the_wire_whole()
    {
        // Over Akka's default frame limit (128,000 bytes) it was dropped with a log line only, and the subscriber's
        // table stayed without the service.
        await using var a = await TestRoot.StartAsync(role: OakestraRoles.Orchestrator);
        await using var b = await TestRoot.StartAsync(role: OakestraRoles.Worker, seeds: a.Address.ToString());
        try
        {
            a.System.ActorOf(Props.Create(() => new Echo()), "echo");
            var echo = b.System.ActorSelection(new RootActorPath(a.Address) / "user" / "echo");
            var big = new ServiceRoutesSnapshot(MessageSamples.Routes with
            {
                Instances = [.. Enumerable.Range(0, 1500).Select(n => MessageSamples.Instance(n, MessageSamples.Placement with
                {
                    // As a site of 100 workers reports them: each placement its own node, namespace and tunnel key.
                    Node = $"worker-{n % 100}", NetworkNamespace = $"oak-worker-{n % 100}-i{n}", TunnelEndpoint = $"10.99.1.{n % 100}:50103",
                    TunnelPublicKey = MessageSamples.TunnelKey, TunnelSalt = MessageSamples.TunnelSalt, Epoch = n,
                }))],
            });
            var size = b.System.Serialization.FindSerializerFor(big).ToBinary(big).Length;
            Assert.True(size > 128_000, $"the sample is {size} bytes, not over the default frame limit");
            var back = await echo.Ask<ServiceRoutesSnapshot>(big, TimeSpan.FromSeconds(45));
            Assert.Equal(1500, back.Routes.Instances.Count);
            Assert.Equal(StructuralJson.Of(big), StructuralJson.Of(back));
        }
        finally
        {
            TestRoot.DeleteDataDir(a.DataDir);
            TestRoot.DeleteDataDir(b.DataDir);
        }
    }
}
