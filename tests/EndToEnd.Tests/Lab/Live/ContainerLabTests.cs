using System.Text.Json;
using Oakestra.Actors.Cli.Lab;
using Xunit.Abstractions;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainerLabCollection : ICollectionFixture<ContainerLabFixture>
{
    public const string Name = "container lab";
}

/// <summary>
/// `./oak lab up --demo --runtime container`: the demo's instances are containers of the image the lab builds from
/// this machine's .NET runtime, DemoApp and busybox (nothing downloaded), imported into the lab's containerd
/// (OAK_LAB_CONTAINERD's socket, else the machine's).
/// </summary>
public sealed class ContainerLabFixture : LiveLabFixture
{
    protected override string[] UpArguments => ["--demo", "--runtime", DemoRun.ContainerRuntime];

    public string CtrNamespace => LabContainers.Namespace(Prefix);

    public async Task<IReadOnlyList<string>> CtrAsync(params string[] args)
    {
        var r = await Proc.RunAsync(Repo, Short, "ctr", [.. LabContainers.Ctr(LabContainers.Address(Environment.GetEnvironmentVariable), CtrNamespace), .. args]);
        Assert.True(r.ExitCode == 0, $"ctr {string.Join(' ', args)}: {r}");
        return [.. r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}

[Collection(ContainerLabCollection.Name)]
[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class ContainerLabTests(ContainerLabFixture lab, ITestOutputHelper log)
{
    [SkippableFact, Step(1)]
    public async Task Every_demo_instance_is_a_running_container_task_in_its_instance_namespace()
    {
        lab.RequireUp();
        var tasks = (await lab.CtrAsync("tasks", "list")).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        log.WriteLine(string.Join("; ", tasks.Select(t => string.Join(' ', t))));
        Assert.Equal(4, tasks.Count(t => t[0].StartsWith(lab.Prefix, StringComparison.Ordinal) && t[2] == "RUNNING")); // client + 3
        Assert.Contains(lab.ClientNamespace, tasks.Select(t => t[0])); // the container is named after the netns it joined
    }

    [SkippableTheory, Step(2)]
    [InlineData(4)]
    [InlineData(6)]
    public async Task Round_robin_spreads_30_requests_over_the_3_containers_and_each_sees_the_clients_Instance_IP(int family)
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        var outcomes = await CurlRun.GetAsync(lab, svc.Ip("rr", family), 30);
        Assert.All(outcomes, o => Assert.True(o.Ok, o.ToString()));
        Assert.All(outcomes, o => Assert.Equal(family == 4 ? lab.ClientIpv4 : lab.ClientIpv6, o.Answer!.SawHost));
        var counts = outcomes.GroupBy(o => o.Answer!.Instance).ToDictionary(g => g.Key, g => g.Count());
        log.WriteLine(string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}")));
        Assert.Equal(svc.Instances.Select(i => i.Id).Order(), counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.InRange(c, 7, 13));
    }

    [SkippableFact, Step(3)]
    public async Task Each_Instance_IP_reaches_its_container()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        foreach (var inst in svc.Instances)
        {
            var o = (await CurlRun.GetAsync(lab, inst.Ip(4), 1))[0];
            Assert.True(o.Ok, o.ToString());
            Assert.Equal(inst.Id, o.Answer!.Instance);
            Assert.Equal(lab.ClientIpv4, o.Answer.SawHost);
        }
    }

    [SkippableFact, Step(4)]
    public async Task An_SLA_in_Oakestras_shape_with_cmd_environment_and_a_port_mapping_runs_as_a_container()
    {
        lab.RequireUp();
        var sla = $$"""
            {"sla_version":"v2.0","customerID":"Admin","applications":[{"applicationID":"","application_name":"shaped","application_namespace":"lab",
              "application_desc":"","microservices":[{"microserviceID":"","microservice_name":"echo","microservice_namespace":"lab",
              "virtualization":"container","code":"{{LabImage.DemoTag}}",
              "cmd":["/usr/share/dotnet/dotnet","/app/Oakestra.Actors.DemoApp.dll","serve","--port","9090"],
              "environment":["OAK_GREETING=hello"],"memory":100,"vcpus":1,"port":"9091:9090","added_files":[],
              "constraints":[{"type":"direct","node":"w2","cluster":"site1"}]}]}]}
            """;
        var file = Path.Combine(lab.Repo, ".lab", "shaped-sla.json");
        await File.WriteAllTextAsync(file, sla);
        await lab.OakOk("deploy", file);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        InstanceView? inst = null;
        while (DateTime.UtcNow < deadline)
        {
            inst = (await lab.ServiceAsync("shaped.lab.echo.lab")).Instances.SingleOrDefault();
            if (inst?.Status == "Running") break;
            await Task.Delay(1000);
        }
        Assert.Equal("Running", inst?.Status);
        Assert.Equal("w2", inst!.Node);
        var o = (await CurlRun.GetAsync(lab, inst.Ip(4), 1, port: 9090))[0];
        Assert.True(o.Ok, o.ToString());
        Assert.Equal(inst.Id, o.Answer!.Instance);
        await lab.OakOk("undeploy", "shaped.lab.echo.lab");
    }

    [SkippableFact, Step(4)]
    public async Task A_container_that_exits_shows_its_exit_code_output_and_time_as_the_last_failure_in_oak_service()
    {
        lab.RequireUp();
        var sla = $$"""
            {"sla_version":"v2.0","applications":[{"application_name":"crash","application_namespace":"lab","microservices":[
              {"microservice_name":"boom","microservice_namespace":"lab","virtualization":"container","code":"{{LabImage.DemoTag}}",
               "cmd":["/bin/sh","-c","echo boom-$OAK_INSTANCE_ID; exit 3"],"constraints":[{"type":"direct","node":"w3","cluster":"site1"}]}]}]}
            """;
        var file = Path.Combine(lab.Repo, ".lab", "crash-sla.json");
        await File.WriteAllTextAsync(file, sla);
        var started = DateTimeOffset.UtcNow;
        await lab.OakOk("deploy", file);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string shown = "";
        while (DateTime.UtcNow < deadline && !shown.Contains("last failure", StringComparison.Ordinal))
        {
            await Task.Delay(1000);
            shown = (await lab.OakOk("service", "crash.lab.boom.lab")).Out;
        }
        log.WriteLine(shown);
        Assert.Contains("last failure of crash.lab.boom.lab.0 at ", shown, StringComparison.Ordinal);
        Assert.Contains("code 3", shown, StringComparison.Ordinal);
        Assert.Contains("boom-crash.lab.boom.lab.0", shown, StringComparison.Ordinal);
        using var json = JsonDocument.Parse((await lab.OakOk("--json", "service", "crash.lab.boom.lab")).Out);
        var at = json.RootElement.GetProperty("instances")[0].GetProperty("last_failure_at").GetDateTimeOffset();
        Assert.InRange(at, started.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
        await lab.OakOk("undeploy", "crash.lab.boom.lab");
    }

    [SkippableFact, Step(4)]
    public async Task A_migrated_container_keeps_its_Instance_IP_and_answers_from_the_target_node()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        var moving = svc.Instances.First(i => i.Status == "Running" && i.Node != lab.ClientNode);
        var target = new[] { "w1", "w2", "w3" }.First(n => n != moving.Node);
        await lab.OakOk("migrate", moving.Id, "--to", target);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        InstanceView? after = null;
        while (DateTime.UtcNow < deadline)
        {
            var i = (await lab.ServiceAsync()).Instance(moving.Id);
            if (i.Status == "Running" && i.Node == target) { after = i; break; }
            await Task.Delay(1000);
        }
        Assert.True(after is not null, $"{moving.Id} not Running on {target} within 90 s");
        Assert.Equal((moving.Ipv4, moving.Ipv6), (after!.Ipv4, after.Ipv6));
        // The old placement drains, then only the target answers on the Instance IP.
        var answered = "";
        for (var attempt = 0; attempt < 60 && answered != target; attempt++)
        {
            var o = (await CurlRun.GetAsync(lab, after.Ip(4), 1))[0];
            answered = o.Ok ? o.Answer!.Node : "";
            if (answered != target) await Task.Delay(1000);
        }
        Assert.Equal(target, answered);
        var o6 = (await CurlRun.GetAsync(lab, after.Ip(6), 1))[0];
        Assert.True(o6.Ok, o6.ToString());
        Assert.Equal((moving.Id, target), (o6.Answer!.Instance, o6.Answer.Node));
    }

    [SkippableFact, Step(4)]
    public async Task Oak_logs_shows_a_containers_server_output_through_the_root()
    {
        lab.RequireUp();
        var id = (await lab.ServiceAsync()).Instances.First(i => i.Status == "Running").Id;
        var all = await lab.OakOk("logs", id);
        Assert.Contains("demo: serving TCP/HTTP and UDP on port", all.Out, StringComparison.Ordinal);
        Assert.Contains(id, all.Out, StringComparison.Ordinal);
        log.WriteLine($"oak logs {id}: {all.Out.Length} characters");
    }

    [SkippableFact, Step(5)]
    public async Task Undeploy_leaves_no_container_and_no_task_of_the_service()
    {
        lab.RequireUp();
        Assert.Equal(3, (await lab.ServiceAsync()).Instances.Count);
        Assert.True((await lab.CtrAsync("containers", "list", "--quiet")).Count >= 4);
        await lab.OakOk("undeploy", LiveLabFixture.Service);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        IReadOnlyList<string> containers;
        do
        {
            await Task.Delay(1000);
            containers = await lab.CtrAsync("containers", "list", "--quiet");
        } while (containers.Count > 1 && DateTime.UtcNow < deadline);
        Assert.Equal([lab.ClientNamespace], containers); // only the client's is left
        var tasks = (await lab.CtrAsync("tasks", "list", "--quiet")).ToList();
        Assert.Equal([lab.ClientNamespace], tasks);
    }
}
