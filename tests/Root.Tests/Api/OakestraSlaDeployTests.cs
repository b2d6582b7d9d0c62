using System.Net;
using System.Text.Json;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Tests.Entities;
using Oakestra.Actors.Root.Tests.Persistence;
using Oakestra.Actors.Root.Tests.Sla;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>
/// SLA documents in Oakestra's own shape deployed on a running root, down to what the site is handed (the launch and
/// the node), and across a restart of the root.
/// </summary>
[Collection(RootProcessCollection.Name)]
public sealed class OakestraSlaDeployTests
{
    private const string Curl = "clientserver.test.curl.test";
    private const string Nginx = "clientserver.test.nginx.test";

    [Fact]
    public async Task Oakestras_example_deploys_and_its_answer_lists_the_blank_application_and_the_ignored_fields()
    {
        await using var root = await RootProcess.StartAsync();
        var created = await root.PostJson("/api/v1/applications", OakestraFieldsTests.OakestraExample);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await root.Json(created);
        Assert.Equal([Curl, Nginx], body.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        var apps = body.GetProperty("applications").EnumerateArray().ToDictionary(a => a.GetProperty("application_name").GetString()!);
        Assert.Equal(0, apps["blank"].GetProperty("services").GetArrayLength());
        Assert.Equal(2, apps["clientserver"].GetProperty("services").GetArrayLength());
        var ignored = body.GetProperty("ignored_fields").EnumerateArray()
            .ToDictionary(i => i.GetProperty("field").GetString()!, i => i.GetProperty("reason").GetString()!);
        Assert.Contains("applications[0].microservices[1].vgpus", ignored.Keys);
        Assert.Contains("applications[0].microservices[1].constraints[0]", ignored.Keys);

        var nginx = body.GetProperty("services")[1];
        Assert.Equal(60, nginx.GetProperty("port").GetInt32());
        Assert.Equal(["6080:60/tcp", "5353:53/udp"], nginx.GetProperty("ports").EnumerateArray()
            .Select(p => $"{p.GetProperty("host").GetInt32()}:{p.GetProperty("instance").GetInt32()}/{p.GetProperty("protocol").GetString()}"));
        var curl = body.GetProperty("services")[0];
        Assert.Equal(["sh", "-c", "tail -f /dev/null"], curl.GetProperty("cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(100, curl.GetProperty("memory").GetInt64());
        Assert.Equal(["w2", "w3"], curl.GetProperty("nodes").EnumerateArray().Select(e => e.GetString()));

        // Only an empty application: nothing to create, still an answer.
        var blank = await root.PostJson("/api/v1/applications",
            """{"sla_version":"v2.0","customerID":"Admin","applications":[{"application_name":"empty","application_namespace":"x","microservices":[]}]}""");
        Assert.Equal(HttpStatusCode.Created, blank.StatusCode);
        var blankBody = await root.Json(blank);
        Assert.Equal(0, blankBody.GetProperty("services").GetArrayLength());
        Assert.Equal("empty", blankBody.GetProperty("applications")[0].GetProperty("application_name").GetString());
    }

    [Fact]
    public async Task The_site_is_handed_cmd_environment_limits_and_the_readiness_port_and_a_node_of_the_list()
    {
        await using var root = await RootProcess.StartAsync();
        var site = await ExampleOnThreeWorkersAsync(root);

        var instances = (await root.ControlPlane.DeployInstancesAsync(Curl, 2, null, default)).Value!;
        var first = site.ExpectPlace(instances[0].Id);
        var second = site.ExpectPlace(instances[1].Id);
        Assert.Equal("container", first.Launch.Virtualization);
        Assert.Equal("docker.io/curlimages/curl:7.82.0", first.Launch.Code);
        Assert.Equal(["sh", "-c", "tail -f /dev/null"], first.Launch.Command);
        Assert.Equal(["MODE=client", "TARGET=10.30.30.30"], first.Launch.Environment);
        Assert.Equal(new InstanceLimits(100L * 1024 * 1024, 1), first.Launch.Limits);
        Assert.Equal(9080, first.Launch.Port);
        // "w2;w3": any of them, never w1, and the load spreads over the list.
        Assert.Equal(["w2", "w3"], new[] { first.Node, second.Node }.Order());
    }

    [Fact]
    public async Task A_node_of_the_list_that_refuses_is_left_for_another_of_the_list()
    {
        await using var root = await RootProcess.StartAsync();
        var site = await ExampleOnThreeWorkersAsync(root);

        var id = (await root.ControlPlane.DeployInstancesAsync(Curl, 1, null, default)).Value![0].Id;
        var place = site.ExpectPlace(id);
        root.Gateway.Tell(new PlacementRefused(id, place.Launch.Epoch, $"node '{place.Node}' is Down"), site.Probe.Ref);
        var again = site.Take<PlaceInstance>(p => p.Launch.InstanceId == id && p.Launch.Epoch > place.Launch.Epoch, TimeSpan.FromSeconds(30));
        Assert.NotEqual(place.Node, again.Node);
        Assert.Contains(again.Node, new[] { "w2", "w3" });
    }

    /// <summary>Oakestra's example deployed, and site1 with workers w1, w2, w3.</summary>
    private static async Task<FakeOrchestrator> ExampleOnThreeWorkersAsync(RootProcess root)
    {
        Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", OakestraFieldsTests.OakestraExample)).StatusCode);
        var site = new FakeOrchestrator(root, "site1").Register();
        foreach (var w in new[] { "w1", "w2", "w3" }) site.AddWorker(w);
        return site;
    }

    [Fact]
    public async Task A_one_shot_instance_that_exits_0_is_completed_and_not_placed_again()
    {
        await using var root = await RootProcess.StartAsync();
        const string sla = """
            {"sla_version":"v2.0","customerID":"Admin","applications":[{"application_name":"batch","application_namespace":"test","microservices":[
              {"microservice_name":"job","microservice_namespace":"test","virtualization":"process","code":"echo done","one_shot":true},
              {"microservice_name":"svc","microservice_namespace":"test","virtualization":"process","code":"echo done"}]}]}
            """;
        Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", sla)).StatusCode);
        var site = new FakeOrchestrator(root, "site1").Register();
        site.AddWorker("w1");

        var job = (await root.ControlPlane.DeployInstancesAsync("batch.test.job.test", 1, null, default)).Value![0].Id;
        var svc = (await root.ControlPlane.DeployInstancesAsync("batch.test.svc.test", 1, null, default)).Value![0].Id;
        var jobPlace = site.ExpectPlace(job);
        var svcPlace = site.ExpectPlace(svc);
        foreach (var (id, epoch) in new[] { (job, jobPlace.Launch.Epoch), (svc, svcPlace.Launch.Epoch) })
        {
            site.Report(id, epoch, InstanceStatus.Running, "w1");
            root.Gateway.Tell(new InstanceStatusReport(id, epoch, InstanceStatus.Failed,
                FakeOrchestrator.PlacementOn("site1", "w1", epoch), "exited (0): process exited with code 0", ExitCode: 0), site.Probe.Ref);
        }

        await RootWait.UntilAsync(async () => (await root.ControlPlane.GetInstanceAsync(job, default)).Value!.Status == "Completed");
        // The service that is not one_shot and exits 0 is a failure to repair: placed again (after 1 s of backoff).
        site.Take<PlaceInstance>(p => p.Launch.InstanceId == svc && p.Launch.Epoch > svcPlace.Launch.Epoch, TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(site.Drain(TimeSpan.FromSeconds(3)), m => m is PlaceInstance p && p.Launch.InstanceId == job);
        var completed = (await root.ControlPlane.GetInstanceAsync(job, default)).Value!;
        Assert.Equal("Completed", completed.Status);
        Assert.Null(completed.LastFailure);

        // A late word of the finished run (a digest or report sent before it ended) is stale, not a resurrection.
        site.Report(job, jobPlace.Launch.Epoch, InstanceStatus.Running, "w1");
        Assert.Equal(jobPlace.Launch.Epoch, site.Take<StaleEpoch>(s => s.InstanceId == job).ReportedEpoch);
        Assert.Equal("Completed", (await root.ControlPlane.GetInstanceAsync(job, default)).Value!.Status);
    }

    [Fact]
    public async Task Cmd_environment_limits_ports_node_lists_and_one_shot_survive_a_root_restart()
    {
        var dataDir = TestRoot.NewDataDir();
        var clock = new ManualClock();
        try
        {
            string before;
            await using (var root = await RootProcess.StartAsync(dataDir, clock))
            {
                Assert.Equal(HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", OakestraFieldsTests.OakestraExample)).StatusCode);
                before = JsonSerializer.Serialize((await root.ControlPlane.ListServicesAsync(default)).OrderBy(s => s.Id));
            }
            await using (var root = await RootProcess.StartAsync(dataDir, clock))
            {
                Assert.Equal(before, JsonSerializer.Serialize((await root.ControlPlane.ListServicesAsync(default)).OrderBy(s => s.Id)));
                var site = new FakeOrchestrator(root, "site1").Register();
                foreach (var w in new[] { "w1", "w2", "w3" }) site.AddWorker(w);
                var id = (await root.ControlPlane.DeployInstancesAsync(Curl, 1, null, default)).Value![0].Id;
                var place = site.ExpectPlace(id);
                Assert.Equal(["sh", "-c", "tail -f /dev/null"], place.Launch.Command);
                Assert.Equal(["MODE=client", "TARGET=10.30.30.30"], place.Launch.Environment);
                Assert.Equal(100L * 1024 * 1024, place.Launch.Limits!.MemoryBytes);
                Assert.Contains(place.Node, new[] { "w2", "w3" });
            }
        }
        finally
        {
            TestRoot.DeleteDataDir(dataDir);
        }
    }
}

internal static class RootWait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(100);
        }
    }
}
