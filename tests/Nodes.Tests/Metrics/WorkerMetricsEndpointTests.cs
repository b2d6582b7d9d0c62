using static Oakestra.Actors.Tests.Shared.PrometheusText;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.Contracts.Hosting.Metrics;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.WorkerNode.Hosting;
using Oakestra.Actors.WorkerNode.Ports;

namespace Oakestra.Actors.Nodes.Tests.Metrics;

/// <summary>A worker's metrics endpoint (Oak:Metrics:Urls) with the data plane's counters, scraped over HTTP.</summary>
[Collection(MetricsCollection.Name)]
public sealed class WorkerMetricsEndpointTests
{
    [Fact]
    public async Task The_endpoint_serves_the_data_planes_counters_as_they_are_at_each_scrape()
    {
        var dataPlane = new CountingDataPlane();
        var watched = new WatchedDataPlane(dataPlane);
        await using var worker = await WorkerProcess.StartAsync(watched);
        var http = worker.Http;
        dataPlane.Set(3, new Dictionary<string, long> { ["io_tun_packets_in"] = 10, ["io_tunnel_datagrams_out"] = 7 }, new Dictionary<string, long> { ["spoofed"] = 2 });
        var first = await http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE oak_dataplane_packets_total counter", first);
        Assert.Equal(10, Value(first, "oak_dataplane_packets_total", "direction=\"in\"", "path=\"tun\""));
        Assert.Equal(7, Value(first, "oak_dataplane_packets_total", "direction=\"out\"", "path=\"tunnel\""));
        Assert.Equal(2, Value(first, "oak_dataplane_drops_total", "reason=\"spoofed\""));
        Assert.Equal(3, Value(first, "oak_dataplane_flows_active"));
        Assert.Matches(@"oak_build_info\{[^}]*role=""worker""", first);
        Assert.True(double.IsNaN(Value(first, "oak_worker_table_version")), "no table published yet");

        watched.Publish(new DataPlaneTable(42, "site1", "w1", 0, 0, [], [new ServiceEntry("a.b.c.d", 5, [], [])], []));
        dataPlane.Rtts["10.0.0.9:50103"] = TimeSpan.FromMilliseconds(1.5);
        dataPlane.Set(3, new Dictionary<string, long> { ["io_tun_packets_in"] = 25, ["io_tunnel_datagrams_out"] = 7 }, new Dictionary<string, long> { ["spoofed"] = 2 });
        await Task.Delay(300); // past the snapshot's age: the next scrape reads the counters again
        var second = await http.GetStringAsync("/metrics");
        Assert.Equal(25, Value(second, "oak_dataplane_packets_total", "direction=\"in\"", "path=\"tun\""));
        Assert.Equal(42, Value(second, "oak_worker_table_version"));
        Assert.Equal(5, Value(second, "oak_worker_service_version", "service=\"a.b.c.d\""));
        Assert.Equal(0.0015, Value(second, "oak_dataplane_peer_rtt_seconds", "endpoint=\"10.0.0.9:50103\""), 6);
    }

    [Fact]
    public void Without_Oak_Metrics_Urls_there_is_no_endpoint()
    {
        var dataPlane = new CountingDataPlane();
        using var process = WorkerProcess.Build([], new WatchedDataPlane(dataPlane));
        Assert.Null(process.GetService<MetricsEndpoint>());
        Assert.DoesNotContain(process.GetServices<IHostedService>(), s => s is MetricsEndpoint);
    }

}
