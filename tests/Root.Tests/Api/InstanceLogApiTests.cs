using System.Net;
using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Tests.Entities;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>
/// GET /api/v1/instances/{id}/logs over real HTTP against a running root: the root asks the site of the instance's
/// placement (a probe here) for chunks and streams their text; unknown instances are 404.
/// </summary>
[Collection(RootProcessCollection.Name)]
public sealed class InstanceLogApiTests : IAsyncLifetime
{
    private RootProcess _root = null!;

    public async Task InitializeAsync() => _root = await RootProcess.StartAsync();

    public async Task DisposeAsync() => await _root.DisposeAsync();

    private async Task<(string Id, FakeOrchestrator Site)> RunningInstance()
    {
        Assert.Equal(HttpStatusCode.Created, (await _root.PostJson("/api/v1/applications", Slas.One("logs"))).StatusCode);
        var site = new FakeOrchestrator(_root, "site1").Register();
        site.AddWorker("w1");
        var id = (await _root.ControlPlane.DeployInstancesAsync(Slas.ServiceId("logs"), 1, null, default)).Value![0].Id;
        var place = site.ExpectPlace(id);
        site.Report(id, place.Launch.Epoch, InstanceStatus.Running, "w1");
        await RootWait.UntilAsync(async () => (await _root.ControlPlane.GetInstanceAsync(id, default)).Value!.Status == "Running");
        return (id, site);
    }

    [Fact]
    public async Task Unknown_instances_are_404()
    {
        var r = await _root.Http.GetAsync("/api/v1/instances/no.such.instance.here.0/logs");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("id", (await _root.Json(r)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_tail_is_asked_of_the_instances_site_and_streamed_as_text_chunk_after_chunk()
    {
        var (id, site) = await RunningInstance();
        var request = _root.Http.GetAsync($"/api/v1/instances/{id}/logs?tail=2");
        var first = site.Take<ReadInstanceLog>();
        Assert.Equal(new ReadInstanceLog("site1", "w1", id, 0, 2, ReadInstanceLog.MaxChunkBytes), first);
        // A chunk cut short: the root asks on from its end until it has read the log's length.
        site.Probe.LastSender.Tell(new InstanceLogChunk(id, 10, 20, 30, "line 9\nline 10\n", false, true));
        var second = site.Take<ReadInstanceLog>();
        Assert.Equal((20L, (int?)null), (second.Offset, second.TailLines));
        site.Probe.LastSender.Tell(new InstanceLogChunk(id, 20, 30, 30, "line 11\n", false, true));

        var r = await request;
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.StartsWith("text/plain", r.Content.Headers.ContentType!.ToString());
        Assert.Equal("line 9\nline 10\nline 11\n", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Follow_polls_from_the_last_offset_until_the_instance_no_longer_runs()
    {
        var (id, site) = await RunningInstance();
        var request = _root.Http.GetAsync($"/api/v1/instances/{id}/logs?follow=true", HttpCompletionOption.ResponseHeadersRead);
        site.Take<ReadInstanceLog>();
        site.Probe.LastSender.Tell(new InstanceLogChunk(id, 0, 5, 5, "one\n", false, true));
        var response = await request;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("one", await reader.ReadLineAsync());

        // Nothing new yet: asked again from 5; then a line; then the instance ended.
        var poll = site.Take<ReadInstanceLog>();
        Assert.Equal(5, poll.Offset);
        site.Probe.LastSender.Tell(new InstanceLogChunk(id, 5, 5, 5, "", false, true));
        site.Take<ReadInstanceLog>(m => m.Offset == 5);
        site.Probe.LastSender.Tell(new InstanceLogChunk(id, 5, 9, 9, "two\n", false, true));
        Assert.Equal("two", await reader.ReadLineAsync());
        site.Take<ReadInstanceLog>(m => m.Offset == 9);
        site.Probe.LastSender.Tell(new InstanceLogChunk(id, 9, 9, 9, "", false, false));
        Assert.Null(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_site_that_cannot_read_the_log_is_503_with_its_reason()
    {
        var (id, site) = await RunningInstance();
        var request = _root.Http.GetAsync($"/api/v1/instances/{id}/logs?format=json");
        site.Take<ReadInstanceLog>();
        site.Probe.LastSender.Tell(new InstanceLogUnavailable(id, "node w1 of site site1 is down"));
        var r = await request;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        Assert.Contains("w1", (await _root.Json(r)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
