using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.EndToEnd.Tests.Support;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>`oak exec` enters the namespace named by the convention and passes the exit code through.</summary>
[Collection("lab fabric")]
public class ExecTests
{
    [SkippableFact]
    public async Task Exec_runs_the_command_inside_the_instance_namespace_and_returns_its_exit_code()
    {
        Requires.RootWithNetns();
        const string ns = "oakt-lab-w2-i3"; // w2's subnet 10.18.0.64/26, Namespace IP 10.18.0.67 → host 3
        using var root = new FakeRoot()
            .On("GET", $"/api/v1/instances/{Canned.DemoId}.0", 200, Canned.Instance(Canned.DemoId, 0, "Running", "w2", "10.30.0.3", "10.18.0.67"))
            .On("GET", "/api/v1/nodes", 200, Canned.Nodes);
        using var oak = new Oak();
        oak.Env["OAK_NETNS_PREFIX"] = "oakt-lab-";
        var marker = Path.Combine(oak.RepoRoot, "where");
        try
        {
            Shell.Check("ip", "netns", "add", ns);
            var r = await oak.RunAsync("--root", root.Url, "exec", $"{Canned.DemoId}.0", "--", "sh", "-c", $"ip netns identify > {marker}; exit 7");
            Assert.Equal(7, r.ExitCode);
            Assert.Equal("", r.Err);
            Assert.Equal(ns, File.ReadAllText(marker).Trim());
        }
        finally
        {
            Shell.Run("ip", "netns", "del", ns);
        }
        Assert.Empty(LabFabric.Namespaces("oakt-lab-"));
    }
}
