using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>
/// The CLI over several roots: a request that cannot connect to one root, or a read that gets no answer,
/// goes to the next; the root that answered is tried first afterwards; what may have been applied is not resent.
/// </summary>
public class MultiRootTests
{
    [Fact]
    public async Task A_refused_root_is_passed_over_and_the_next_root_in_the_lab_env_answers()
    {
        using var live = new FakeRoot().On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        using var oak = new Oak();
        var dead = FakeRoot.FreePort();
        Directory.CreateDirectory(Path.Combine(oak.RepoRoot, ".lab"));
        await File.WriteAllTextAsync(Path.Combine(oak.RepoRoot, ".lab", "env"), $"export OAK_ROOT=http://127.0.0.1:{dead},{live.Url}\n");

        var r = await oak.RunAsync("nodes");

        Assert.Equal((0, ""), (r.ExitCode, r.Err));
        Assert.Contains(r.Out.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["site1", "w2", "Ready", ..]);
        Assert.Single(live.Requests);
    }

    [Fact]
    public async Task A_root_that_never_answers_is_passed_over_for_reads_and_the_answering_root_is_asked_first_from_then_on()
    {
        using var mute = new SilentRoot(SilentRoot.Mode.Mute);
        using var live = new FakeRoot()
            .On("GET", $"/api/v1/instances/{Canned.DemoId}.0", 200, Canned.Instance(Canned.DemoId, 0, "Running", "w2", "10.30.0.3", "10.18.0.67"))
            .On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        using var oak = new Oak();
        Directory.CreateDirectory(Path.Combine(oak.RepoRoot, ".lab"));
        oak.Env["OAK_ROOT"] = $"{mute.Url},{live.Url}";
        oak.Env["OAK_TIMEOUT"] = "1";
        oak.Env["OAK_NETNS_PREFIX"] = "oakt-cli-none-";

        // exec asks twice (the instance, then the nodes): only the first request waits for the mute root.
        var exec = await oak.RunAsync("exec", $"{Canned.DemoId}.0", "--", "true");
        Assert.Equal($"oak: network namespace oakt-cli-none-w2-i3 of instance {Canned.DemoId}.0 does not exist on this machine", Assert.Single(exec.ErrLines));
        Assert.Equal(1, mute.Accepted);
        Assert.Equal(2, live.Requests.Count);

        // The next command starts with the root that answered.
        var nodes = await oak.RunAsync("nodes");
        Assert.Equal(0, nodes.ExitCode);
        Assert.Equal(1, mute.Accepted);
        Assert.Equal(3, live.Requests.Count);
    }

    [Fact]
    public async Task A_root_whose_connection_times_out_is_passed_over()
    {
        using var unconnectable = new SilentRoot(SilentRoot.Mode.Unconnectable);
        using var live = new FakeRoot().On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        using var oak = new Oak();
        oak.Env["OAK_TIMEOUT"] = "1";
        var r = await oak.RunAsync("--root", $"{unconnectable.Url},{live.Url}", "nodes");
        Assert.Equal((0, ""), (r.ExitCode, r.Err));
        Assert.Single(live.Requests);
    }

    [Fact]
    public async Task A_post_that_got_no_answer_is_not_sent_to_another_root()
    {
        using var mute = new SilentRoot(SilentRoot.Mode.Mute);
        using var live = new FakeRoot().On("POST", $"/api/v1/services/{Canned.DemoId}/scale", 200, "{}");
        using var oak = new Oak();
        oak.Env["OAK_TIMEOUT"] = "1";
        var r = await oak.RunAsync("--root", $"{mute.Url},{live.Url}", "scale", Canned.DemoId, "2");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"oak: root at {mute.Url} took POST /api/v1/services/{Canned.DemoId}/scale but gave no answer (no answer within 1s); not sent to another root, since it may have been applied",
            Assert.Single(r.ErrLines));
        Assert.Empty(live.Requests);
    }

    [Fact]
    public async Task A_post_goes_to_the_next_root_when_the_first_refuses_the_connection()
    {
        using var live = new FakeRoot().On("POST", $"/api/v1/services/{Canned.DemoId}/scale", 200, Canned.Service(Canned.DemoId, "10.30.0.1", "10.30.0.2"));
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", $"http://127.0.0.1:{FakeRoot.FreePort()},{live.Url}", "scale", Canned.DemoId, "2");
        Assert.Equal((0, ""), (r.ExitCode, r.Err));
        Assert.Single(live.Sent("POST", $"/api/v1/services/{Canned.DemoId}/scale"));
    }

    [Fact]
    public async Task No_root_answering_is_one_line_naming_each_root_and_why()
    {
        using var unconnectable = new SilentRoot(SilentRoot.Mode.Unconnectable);
        using var oak = new Oak();
        oak.Env["OAK_TIMEOUT"] = "1";
        var dead = FakeRoot.FreePort();
        var r = await oak.RunAsync("--root", $"http://127.0.0.1:{dead},{unconnectable.Url}", "services");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"oak: no root answered: http://127.0.0.1:{dead}: connection refused; {unconnectable.Url}: no connection within 0.5s", Assert.Single(r.ErrLines));
        Assert.Equal("", r.Out);
    }
}
