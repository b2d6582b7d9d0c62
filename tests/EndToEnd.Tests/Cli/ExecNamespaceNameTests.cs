using Oakestra.Actors.Cli.Instances;
using Oakestra.Actors.EndToEnd.Tests.Support;

namespace Oakestra.Actors.EndToEnd.Tests.Cli;

/// <summary>`oak exec` enters only names made of the convention's characters, whoever reported them.</summary>
public class ExecNamespaceNameTests
{
    private const string Id = Canned.DemoId + ".0";

    [Fact]
    public async Task A_namespace_path_reported_by_the_root_is_refused_with_a_clear_error()
    {
        var instance = Canned.Instance(Canned.DemoId, 0, "Running", "w1", "10.30.0.3")
            .Replace("\"epoch\":1}", "\"epoch\":1,\"netns\":\"../../proc/1/ns/net\"}", StringComparison.Ordinal);
        using var root = new FakeRoot().On("GET", $"/api/v1/instances/{Id}", 200, instance);
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "exec", Id, "--", "true");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"oak: refusing to enter '../../proc/1/ns/net' for instance {Id}: a namespace name must be {InstanceNamespace.Rule} (the root reported a node or namespace outside the convention)",
            Assert.Single(r.ErrLines));
    }

    [Fact]
    public async Task A_node_name_that_would_leave_run_netns_is_refused()
    {
        using var root = new FakeRoot()
            .On("GET", $"/api/v1/instances/{Id}", 200, Canned.Instance(Canned.DemoId, 0, "Running", "../../proc/1", "10.30.0.3"))
            .On("GET", "/api/v1/nodes", 200, Canned.Nodes.Replace("\"node\":\"w1\"", "\"node\":\"../../proc/1\"", StringComparison.Ordinal));
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "exec", Id, "--", "true");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("oak: refusing to enter 'oak-../../proc/1-i2'", Assert.Single(r.ErrLines));
    }

    [Theory]
    [InlineData("../../proc/1/ns/net")]
    [InlineData("-n")]
    public async Task A_prefix_outside_the_convention_is_wrong_usage_and_asks_nothing(string prefix)
    {
        using var root = new FakeRoot();
        using var oak = new Oak();
        var r = await oak.RunAsync("--root", root.Url, "exec", Id, "--netns-prefix", prefix, "--", "true");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("namespace prefix", Assert.Single(r.ErrLines));
        Assert.Empty(root.Requests);
    }

    [Theory]
    [InlineData("oaklab-w1-i2", true)]
    [InlineData("oak-edge.node_3-i62", true)]
    [InlineData("../../proc/1/ns/net", false)]
    [InlineData(".hidden", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("", false)]
    public void Names_are_the_conventions_characters(string name, bool valid) =>
        Assert.Equal(valid, InstanceNamespace.IsValidName(name));
}
