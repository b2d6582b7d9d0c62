using Akka.TestKit;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Nodes.Tests.Fakes;
using Oakestra.Actors.WorkerNode.Actors;
using Xunit.Abstractions;
using WorkerLink = Oakestra.Actors.Contracts.Discovery.UpstreamLink;

namespace Oakestra.Actors.Nodes.Tests;

public class LifecycleTests(ITestOutputHelper output) : NodesTestKit(output)
{
    private readonly FakeInstanceHost _host = new();
    private readonly RecordingDataPlane _dataPlane = new();

    private IActorRef StartRegisteredWorker(out TestProbe orchestrator)
    {
        orchestrator = CreateTestProbe();
        var settings = new WorkerSettings("a", "w1", "192.0.2.1:50103") { PollInterval = TimeSpan.FromMilliseconds(50) };
        var agent = Sys.ActorOf(WorkerAgent.Props(settings, _host, _dataPlane, WorkerLink.Fixed(orchestrator.Ref)));
        var registration = orchestrator.ExpectMsg<RegisterWorker>();
        Assert.Equal(("a", "w1", "192.0.2.1:50103"), (registration.Site, registration.Node, registration.TunnelEndpoint));
        agent.Tell(new WorkerSubnetsAssigned("a", "w1", Ipv4Prefix.Parse("10.18.0.64/26"), Ipv6Prefix.Parse("fc00::100/120")));
        return agent;
    }

    private static InstanceStatusReport NextReport(TestProbe orchestrator) =>
        (InstanceStatusReport)orchestrator.FishForMessage(m => m is InstanceStatusReport);

    [Fact]
    public void A_started_instance_reports_Starting_then_Running_with_its_placement_and_epoch()
    {
        var agent = StartRegisteredWorker(out var orchestrator);
        agent.Tell(new StartInstance(Svc.Launch(1, 0, epoch: 7)));

        var starting = NextReport(orchestrator);
        Assert.Equal((Svc.InstanceId(1, 0), 7L, InstanceStatus.Starting), (starting.InstanceId, starting.Epoch, starting.Status));
        var running = NextReport(orchestrator);
        Assert.Equal(InstanceStatus.Running, running.Status);
        Assert.Equal(new Placement("a", "w1", Ipv4Address.Parse("10.18.0.66"), Ipv6Address.Parse("fc00::102"), "192.0.2.1:50103", 7,
            $"oaktest-{Svc.InstanceId(1, 0)}-7"), running.Placement);
        Assert.Equal(Ipv4Prefix.Parse("10.18.0.64/26"), Assert.Single(_host.Prepared).V4);

        // The data plane learns the local placement; the service is subscribed (always kept).
        Eventually(() => Assert.Equal(Ipv4Address.Parse("10.18.0.66"), Assert.Single(_dataPlane.Last!.LocalInstances).NamespaceV4));
        Assert.Equal(Svc.Id(1), ((SubscribeService)orchestrator.FishForMessage(m => m is SubscribeService)).ServiceId);

        // A repeated start (e.g. after an orchestrator restart) re-reports, it does not start twice.
        agent.Tell(new StartInstance(Svc.Launch(1, 0, epoch: 7)));
        Assert.Equal(InstanceStatus.Running, NextReport(orchestrator).Status);
        Assert.Single(_host.Started);
    }

    [Fact]
    public void Stop_drains_first_then_reports_Stopped_and_frees_the_namespace()
    {
        var agent = StartRegisteredWorker(out var orchestrator);
        agent.Tell(new StartInstance(Svc.Launch(1, 0)));
        Assert.Equal(InstanceStatus.Starting, NextReport(orchestrator).Status);
        Assert.Equal(InstanceStatus.Running, NextReport(orchestrator).Status);

        agent.Tell(new StopInstance(Svc.InstanceId(1, 0), 1, TimeSpan.FromMilliseconds(600)));
        Eventually(() => Assert.True(Assert.Single(_dataPlane.Last!.LocalInstances).Draining));
        Assert.True(_host.IsRunning(Svc.InstanceId(1, 0), 1));
        var stopped = NextReport(orchestrator);
        Assert.Equal((InstanceStatus.Stopped, 1L), (stopped.Status, stopped.Epoch));
        Assert.Equal([(Svc.InstanceId(1, 0), 1L)], _host.Stopped);
        Eventually(() => Assert.Empty(_dataPlane.Last!.LocalInstances));
    }

    [Fact]
    public void A_stale_epoch_stops_that_placement_without_claiming_anything_and_a_crash_reports_Failed()
    {
        var agent = StartRegisteredWorker(out var orchestrator);
        agent.Tell(new StartInstance(Svc.Launch(1, 0, epoch: 3)));
        agent.Tell(new StartInstance(Svc.Launch(2, 0, epoch: 1)));
        Eventually(() => Assert.Equal(2, _host.Started.Count));

        agent.Tell(new StaleEpoch(Svc.InstanceId(1, 0), 3, 4));
        Eventually(() => Assert.Contains((Svc.InstanceId(1, 0), 3L), _host.Stopped));

        _host.Crash(Svc.InstanceId(2, 0), 1, exitCode: 3);
        var reports = new List<InstanceStatusReport>();
        orchestrator.FishForMessage(m =>
        {
            if (m is InstanceStatusReport r) reports.Add(r);
            return m is InstanceStatusReport { Status: InstanceStatus.Failed };
        });
        var failed = reports[^1];
        Assert.Equal((Svc.InstanceId(2, 0), 1L), (failed.InstanceId, failed.Epoch));
        Assert.Contains("exited (3)", failed.Detail);
        reports.AddRange(orchestrator.ReceiveWhile(TimeSpan.FromMilliseconds(400), m => m).OfType<InstanceStatusReport>());
        Assert.DoesNotContain(reports, r => r.InstanceId == Svc.InstanceId(1, 0) && r.Status is InstanceStatus.Stopped or InstanceStatus.Failed);
    }
}
