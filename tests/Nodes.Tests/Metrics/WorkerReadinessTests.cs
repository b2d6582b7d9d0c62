using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Oakestra.Actors.Contracts.Hosting.Metrics;
using Oakestra.Actors.WorkerNode.Hosting;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests.Metrics;

/// <summary>A worker's /health/ready (beside /metrics on Oak:Metrics:Urls) follows its packet path and its table.</summary>
[Collection(MetricsCollection.Name)]
public sealed class WorkerReadinessTests
{
    [Fact]
    public async Task Readiness_is_false_while_the_forwarding_loop_is_gone_or_no_table_was_published()
    {
        var dataPlane = new CountingDataPlane();
        var watched = new WatchedDataPlane(dataPlane);
        await using var worker = await WorkerProcess.StartAsync(watched);
        var http = worker.Http;

        var (status, checks) = await Ready(http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(("ok", "forwarding"), checks["data-plane"]);
        Assert.Equal("unhealthy", checks["table"].Status);

        watched.Publish(new DataPlaneTable(3, "site1", "w1", 0, 0, [], [], []));
        (status, checks) = await Ready(http);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("version 3", checks["table"].Description);

        dataPlane.Problem = "forwarding loop: loop thread oak-dp-0 ended";
        (status, checks) = await Ready(http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(("unhealthy", "forwarding loop: loop thread oak-dp-0 ended"), checks["data-plane"]);
        // Liveness is not readiness: the process is not to be restarted for it.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

        dataPlane.Problem = null;
        Assert.Equal(HttpStatusCode.OK, (await Ready(http)).Status);
    }

    private static async Task<(HttpStatusCode Status, Dictionary<string, (string Status, string? Description)> Checks)> Ready(HttpClient http)
    {
        var r = await http.GetAsync("/health/ready");
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("worker", doc.RootElement.GetProperty("role").GetString());
        return (r.StatusCode, doc.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("description").GetString())));
    }
}
