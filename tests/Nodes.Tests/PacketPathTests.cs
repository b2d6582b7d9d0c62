using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Actors;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

public class PacketPathTests(ITestOutputHelper output) : NodesTestKit(output)
{
    [Fact]
    public void Misses_and_usage_go_up_and_a_changed_RTT_republishes_the_table()
    {
        var dataPlane = new RecordingDataPlane();
        var settings = new WorkerSettings("a", "w1", "10.0.0.1:50103") { PollInterval = TimeSpan.FromMilliseconds(30) };
        var packetPath = ChildActorOf(PacketPathActor.Props(settings, dataPlane)); // parent = TestActor
        var routes = Svc.Routes(1, 1, Svc.Instance(1, 0, new Placement("a", "w2", null, null, "10.0.0.2:50103", 1)));
        packetPath.Tell(new RoutesChanged(ImmutableDictionary<string, ServiceRoutes>.Empty.Add(routes.ServiceId, routes)));
        Thread.Sleep(200);
        Assert.Equal(0, dataPlane.PublishCount); // nothing before the agent has said what runs here
        packetPath.Tell(new LocalInstancesChanged([]));
        Eventually(() => Assert.Null(Assert.Single(dataPlane.Service(Svc.Id(1))!.Instances).Rtt));

        dataPlane.Miss(Svc.RoundRobinV4(7));
        Assert.Equal([Svc.RoundRobinV4(7)], ExpectMsg<TableMisses>().Addresses);
        dataPlane.Traffic(Svc.InstanceV4(1, 0), DateTime.UtcNow.AddSeconds(30));
        Assert.Equal([Svc.InstanceV4(1, 0)], FishForMessage<TableUsage>(_ => true).Addresses);

        var before = dataPlane.PublishCount;
        dataPlane.SetRtt("10.0.0.2:50103", TimeSpan.FromMilliseconds(7));
        Eventually(() => Assert.Equal(TimeSpan.FromMilliseconds(7), dataPlane.Service(Svc.Id(1))!.Instances[0].Rtt));
        Assert.Equal(before + 1, dataPlane.PublishCount);
        Assert.True(dataPlane.Last!.Version > 1);
    }
}
