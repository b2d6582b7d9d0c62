using Akka.Actor;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Root.Tests.Entities;
using Oakestra.Actors.Root.Tests.Serialization;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>
/// GET /api/v1/nodes/{node}/table over real HTTP against a running root: the root asks the node's site
/// orchestrator (here a probe registered through the gateway) and relays the worker's answer, or says in
/// one line why it cannot.
/// </summary>
[Collection(RootProcessCollection.Name)]
public sealed class NodeTableApiTests : IAsyncLifetime
{
    private RootProcess _root = null!;

    public async Task InitializeAsync() => _root = await RootProcess.StartAsync();

    public async Task DisposeAsync() => await _root.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetTable(string node, string? query = null)
    {
        var r = await _root.Http.GetAsync($"/api/v1/nodes/{node}/table{query}");
        return (r.StatusCode, await _root.Json(r));
    }

    [Fact]
    public async Task Unknown_node_is_404_naming_the_node()
    {
        new FakeOrchestrator(_root, "site1").Register().AddWorker("w1");

        var (status, body) = await GetTable("nowhere");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("nowhere", body.GetProperty("error").GetString());
        Assert.Equal("node", body.GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_workers_answer_is_asked_of_its_sites_orchestrator_and_relayed_as_json()
    {
        new FakeOrchestrator(_root, "site1").Register().AddWorker("w9");
        var site2 = new FakeOrchestrator(_root, "site2").Register();
        site2.AddWorker("w1");

        var request = GetTable("w1");
        var query = site2.Take<QueryNodeTable>();
        Assert.Equal(new QueryNodeTable("site2", "w1"), query);
        // What the worker sends: straight to the asker (the orchestrator forwards with the asker as sender).
        site2.Probe.LastSender.Tell(MessageSamples.NodeTable with { Site = "site2" });
        var (status, body) = await request;

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("site2", body.GetProperty("site").GetString());
        Assert.Equal("w1", body.GetProperty("node").GetString());
        Assert.Equal(12, body.GetProperty("table_version").GetInt64());
        var service = body.GetProperty("services")[0];
        Assert.Equal("a.b.c.d", service.GetProperty("service_id").GetString());
        Assert.Equal("10.30.0.1", service.GetProperty("service_ips")[0].GetProperty("ipv4").GetString());
        var instances = service.GetProperty("instances").EnumerateArray().ToArray();
        Assert.Equal(["local", "tunnel"], instances.Select(i => i.GetProperty("via").GetString()));
        Assert.Equal("10.18.0.2", instances[0].GetProperty("namespace_ipv4").GetString());
        Assert.Equal("10.30.0.8", instances[1].GetProperty("instance_ipv4").GetString());
        Assert.Equal("10.99.0.4:50103", instances[1].GetProperty("tunnel_endpoint").GetString());
        Assert.Equal("fc00::2", body.GetProperty("local_instances")[0].GetProperty("namespace_ipv6").GetString());
        var counters = body.GetProperty("counters");
        Assert.Equal("forwarding", counters.GetProperty("source").GetString());
        Assert.Equal(40, counters.GetProperty("packets_translated").GetInt64());
        Assert.Equal(2, counters.GetProperty("flows_active").GetInt64());
        Assert.Equal(1, counters.GetProperty("misses_expired").GetInt64());
        Assert.Equal(4, counters.GetProperty("drops").GetProperty("spoofed").GetInt64());
        Assert.Equal(2, counters.GetProperty("all").GetProperty("flow_new").GetInt64());
    }

    [Fact]
    public async Task A_node_that_does_not_answer_is_504_within_seconds()
    {
        var site = new FakeOrchestrator(_root, "site1").Register();
        site.AddWorker("w1");

        var clock = Stopwatch.StartNew();
        var (status, body) = await GetTable("w1");

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.Contains("w1", body.GetProperty("error").GetString());
        Assert.Contains("did not answer", body.GetProperty("error").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal("site1", site.Take<QueryNodeTable>().Site); // it was asked
    }

    [Fact]
    public async Task An_orchestrator_that_cannot_reach_the_worker_gives_503_with_its_reason()
    {
        var site = new FakeOrchestrator(_root, "site1").Register();
        site.AddWorker("w1");

        var request = GetTable("w1");
        site.Take<QueryNodeTable>();
        site.Probe.LastSender.Tell(new NodeTableUnavailable("site1", "w1", "node w1 is not registered at the orchestrator of site site1"));
        var (status, body) = await request;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("node w1 is not registered at the orchestrator of site site1", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_unreachable_node_is_503_without_waiting_for_it()
    {
        var site = new FakeOrchestrator(_root, "site1").Register();
        site.AddWorker("w1");
        _root.Gateway.Tell(new WorkerStateChanged("site1", "w1", WorkerState.Unreachable), site.Ref);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        (HttpStatusCode Status, JsonElement Body) answer;
        do
        {
            // Until the registry has recorded the state change the node is still Up (and the probe stays silent: 504).
            answer = await GetTable("w1");
        } while (answer.Status != HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Contains("w1", answer.Body.GetProperty("error").GetString());
        Assert.Contains("unreachable", answer.Body.GetProperty("error").GetString());
    }
}
