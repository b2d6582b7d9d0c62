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
}
