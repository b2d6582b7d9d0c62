using static Oakestra.Actors.Tests.Shared.PrometheusText;
using System.Net;
using Oakestra.Actors.Root.Tests.Api;

namespace Oakestra.Actors.Root.Tests.Metrics;

/// <summary>`GET /metrics` on a running root (docs/METRICS.md): Prometheus text, behind the API token.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class RootMetricsTests : IAsyncLifetime
{
    private RootProcess _root = null!;

    public async Task InitializeAsync() => _root = await RootProcess.StartAsync();

    public async Task DisposeAsync() => await _root.DisposeAsync();

    [Fact]
    public async Task Metrics_need_the_token_and_show_requests_entities_and_pools()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _root.Anonymous().GetAsync("/metrics")).StatusCode);

        var created = await _root.PostJson("/api/v1/applications", Slas.One("metered"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync("/api/v1/services/nosuch.a.b.c")).StatusCode);

        // The entity counts are sampled every few seconds: wait for the one service to show.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string text;
        while (true)
        {
            var r = await _root.Http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.StartsWith("text/plain", r.Content.Headers.ContentType?.MediaType);
            text = await r.Content.ReadAsStringAsync();
            if (Value(text, "oak_root_services") == 1 || DateTime.UtcNow > deadline) break;
            await Task.Delay(500);
        }

        Assert.Equal(1, Value(text, "oak_root_services"));
        Assert.Contains("# TYPE oak_api_request_duration_seconds histogram", text);
        Assert.Matches(@"oak_api_request_duration_seconds_count\{[^}]*method=""POST""[^}]*route=""/api/v1/applications""[^}]*status=""201""[^}]*\} 1\b", text);
        Assert.Matches(@"oak_api_request_duration_seconds_count\{[^}]*route=""/api/v1/services/\{id\}""[^}]*status=""404""", text);
        Assert.Matches(@"oak_api_request_duration_seconds_count\{[^}]*route=""/metrics""[^}]*status=""401""", text); // refused ones count
        Assert.Contains("# TYPE oak_pool_addresses gauge", text);
        // The service holds Service IPs in the IPv4 pool; IPv6 pools have many more free than used.
        Assert.True(Value(text, "oak_pool_addresses", "pool=\"service-v4\"", "state=\"used\"") >= 1, text);
        Assert.True(Value(text, "oak_pool_addresses", "pool=\"service-v4\"", "state=\"free\"") > 60000, text);
        Assert.Matches(@"oak_build_info\{[^}]*role=""root""", text);
    }

}
