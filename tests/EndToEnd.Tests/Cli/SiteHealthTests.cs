using System.Text.Json.Nodes;
using Oakestra.Actors.Cli;
using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>
/// What the CLI shows of a site's health (last heard, Unreachable, the link to the root tier) and `oak drain`,
/// against canned answers and a fixed clock; and that a root without those fields still gets its old tables.
/// </summary>
public class SiteHealthTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static async Task<(int Code, string Out, string Err)> Run(FakeRoot root, params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var code = await CliApp.RunAsync(["--root", root.Url, .. args], new CliContext(output, error, _ => null, null, new FixedClock(Now)));
        return (code, output.ToString(), error.ToString());
    }

    private static string[][] Rows(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToArray()).ToArray();

    [Fact]
    public async Task Nodes_show_how_long_ago_each_was_heard_and_Unreachable_as_the_root_says()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 200, """
            [{"cluster":"site1","node":"w1","subnet_v4":"10.18.0.0/26","subnet_v6":"fc00::/120","status":"Ready","instances":2,"latitude":48.1,"longitude":11.5,"tunnel_endpoint":"10.99.0.3:50103","last_heard":"2025-06-01T11:59:57Z"},
             {"cluster":"site2","node":"w2","subnet_v4":"10.18.0.64/26","subnet_v6":"fc00::100/120","status":"Unreachable","instances":1,"latitude":48.7,"longitude":9.1,"tunnel_endpoint":"10.99.0.4:50103","last_heard":"2025-06-01T11:55:30Z"},
             {"cluster":"site2","node":"w3","subnet_v4":"10.18.0.128/26","subnet_v6":"fc00::200/120","status":"Pending","instances":0,"latitude":48.7,"longitude":9.1,"tunnel_endpoint":"10.99.0.5:50103","last_heard":null}]
            """);
        var (code, text, err) = await Run(root, "nodes");
        Assert.Equal((0, ""), (code, err));
        var rows = Rows(text);
        Assert.Equal("LAST HEARD", rows[0][^1]);
        Assert.Equal(["site1", "w1", "Ready", "3s ago"], [rows[1][0], rows[1][1], rows[1][2], rows[1][^1]]);
        Assert.Equal(["site2", "w2", "Unreachable", "4m ago"], [rows[2][0], rows[2][1], rows[2][2], rows[2][^1]]);
        Assert.Equal("-", rows[3][^1]);
    }

    [Fact]
    public async Task Nodes_of_a_root_that_reports_no_last_heard_keep_their_old_columns()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        var (code, text, _) = await Run(root, "nodes");
        Assert.Equal(0, code);
        Assert.Equal(["CLUSTER", "NODE", "STATUS", "SUBNET V4", "SUBNET V6", "INSTANCES", "LATITUDE", "LONGITUDE", "TUNNEL"], Rows(text)[0]);
    }

    [Fact]
    public async Task Sites_show_each_link_its_last_heard_queued_reports_and_nodes()
    {
        using var root = new FakeRoot().On("GET", "/api/v1/sites", 200, """
            [{"site":"site1","link":"connected","last_heard":"2025-06-01T11:59:58.500Z","queued_reports":0,"nodes":["w1","w3"]},
             {"site":"site2","link":"lost","last_heard":"2025-06-01T10:00:00Z","queued_reports":17,"nodes":2},
             {"site":"site3","link":"silent"}]
            """);
        var (code, text, err) = await Run(root, "sites");
        Assert.Equal((0, ""), (code, err));
        var rows = Rows(text);
        Assert.Equal(["SITE", "LINK", "LAST HEARD", "QUEUED", "NODES"], rows[0]);
        Assert.Equal(["site1", "connected", "1s ago", "0", "w1,w3"], rows[1]);
        Assert.Equal(["site2", "lost", "2h ago", "17", "2"], rows[2]);
        Assert.Equal(["site3", "silent", "-", "-", "-"], rows[3]);
    }

    [Fact]
    public async Task Sites_of_a_root_that_does_not_serve_them_fail_in_one_line()
    {
        using var root = new FakeRoot();
        var (code, _, err) = await Run(root, "sites");
        Assert.Equal(1, code);
        Assert.StartsWith("oak: 404 Not Found", Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task Drain_posts_to_the_node_and_lists_what_moves()
    {
        using var root = new FakeRoot().On("POST", "/api/v1/nodes/w2/drain", 202, $$"""{"node":"w2","instances":["{{Canned.DemoId}}.1","{{Canned.DemoId}}.4"]}""");
        var (code, text, err) = await Run(root, "drain", "w2");
        Assert.Equal((0, ""), (code, err));
        Assert.Single(root.Sent("POST", "/api/v1/nodes/w2/drain"));
        Assert.Equal(["draining w2: moving 2 instances to other nodes (make-before-break)", $"  {Canned.DemoId}.1", $"  {Canned.DemoId}.4"],
            text.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var json = await Run(root, "--json", "drain", "w2");
        Assert.Equal(2, JsonNode.Parse(json.Out)!["instances"]!.AsArray().Count);
    }

    [Fact]
    public async Task Drain_of_an_empty_node_says_nothing_moves()
    {
        using var root = new FakeRoot().On("POST", "/api/v1/nodes/w1/drain", 202, """{"node":"w1","instances":[]}""");
        var (code, text, _) = await Run(root, "drain", "w1");
        Assert.Equal((0, "draining w1: no instances to move\n"), (code, text));
    }

    [Theory]
    [InlineData(0, "0s ago")]
    [InlineData(59.9, "59s ago")]
    [InlineData(60, "1m ago")]
    [InlineData(7199, "1h ago")]
    [InlineData(-5, "0s ago")]
    [InlineData(3 * 86400 + 5, "3d ago")]
    public void Ago_reads_like_a_person_would_say_it(double secondsAgo, string expected) =>
        Assert.Equal(expected, Oakestra.Actors.Cli.Output.Ago.Render(Now - TimeSpan.FromSeconds(secondsAgo), Now));
}
