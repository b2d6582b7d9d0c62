using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>Every failure is a non-zero exit and exactly one line on stderr that says why.</summary>
public class ErrorHandlingTests
{
    [Fact]
    public async Task Unreachable_root_names_the_address_and_connection_refused()
    {
        using var oak = new Oak();
        var port = FakeRoot.FreePort(); // nobody listens there
        var r = await oak.RunAsync("--root", $"http://127.0.0.1:{port}", "services");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"oak: root not reachable at http://127.0.0.1:{port}: connection refused", Assert.Single(r.ErrLines));
        Assert.Equal("", r.Out);
    }

    [Fact]
    public async Task Not_found_shows_status_and_the_roots_reason_on_one_line()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/services/no.such.service.here", 404, Canned.Error("unknown service no.such.service.here\nsecond line", "id"));
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "service", "no.such.service.here");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("oak: 404 Not Found: unknown service no.such.service.here second line (field: id)", Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task Conflict_names_the_exhausted_pool()
    {
        using var root = new FakeRoot().On("POST", $"/api/v1/services/{Canned.DemoId}/scale", 409,
            Canned.Error("pool instance IPv4 10.30.0.0/16 is exhausted", "pool.instance_v4", "exhausted"));
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "scale", Canned.DemoId, "70000");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("oak: 409 Conflict: pool instance IPv4 10.30.0.0/16 is exhausted (field: pool.instance_v4, rule: exhausted)", Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task An_error_body_that_is_not_json_is_still_one_line()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 503, "control plane\nnot ready");
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("oak: 503 Service Unavailable: control plane not ready", Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task A_host_name_the_root_does_not_answer_to_says_so_instead_of_showing_the_page()
    {
        // ASP.NET Core host filtering's own answer (HostFilteringMiddleware), not the API's JSON.
        const string page = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\r\n<HTML><HEAD><TITLE>Bad Request</TITLE></HEAD>\r\n<BODY><h2>Bad Request - Invalid Hostname</h2>\r\n<hr><p>HTTP Error 400. The request hostname is invalid.</p>\r\n</BODY></HTML>";
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 400, page);
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "nodes");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("oak: 400 Bad Request: the root does not answer to this host name (its AllowedHosts); use an address it listens on, or add the name to AllowedHosts", Assert.Single(r.ErrLines));
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("scale", "svc", "many")]
    [InlineData("migrate", "a.b.c.d.0")]
    [InlineData("service")]
    [InlineData("nodes", "--bogus", "1")]
    [InlineData("exec", "a.b.c.d.0")]
    [InlineData("lab", "place", "w1", "95", "10")]
    public async Task Wrong_usage_exits_2_with_one_line_and_sends_nothing(params string[] args)
    {
        using var root = new FakeRoot();
        using var oak = new Oak();
        var r = await oak.RunAsync(["--root", root.Url, .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrLines);
        Assert.Empty(root.Requests);
    }
}
