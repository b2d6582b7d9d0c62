using System.Net;
using Oakestra.Actors.Root.Tests.Api;

namespace Oakestra.Actors.Root.Tests.Metrics;

/// <summary>`/api/v1/health` (open, no token) reports each readiness check of a running root; /live and /ready beside it.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class RootHealthTests : IAsyncLifetime
{
    private RootProcess _root = null!;

    public async Task InitializeAsync() => _root = await RootProcess.StartAsync();

    public async Task DisposeAsync() => await _root.DisposeAsync();

    [Fact]
    public async Task Health_is_ok_and_names_each_check_without_a_token()
    {
        var anonymous = _root.Anonymous();
        var r = await anonymous.GetAsync("/api/v1/health");
        var body = await _root.Json(r);
        Assert.True(r.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("root", body.GetProperty("role").GetString());
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Contains("journal", checks.Keys);
        Assert.True(checks.Count >= 2, body.ToString()); // cluster membership and the journal
        Assert.All(checks.Values, s => Assert.Equal("ok", s));

        var live = await anonymous.GetAsync("/api/v1/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.NotEmpty((await _root.Json(live)).GetProperty("checks").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/health/ready")).StatusCode);
    }
}
