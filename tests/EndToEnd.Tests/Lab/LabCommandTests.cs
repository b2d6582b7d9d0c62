using Oakestra.Actors.Cli.Lab;
using Oakestra.Actors.EndToEnd.Tests.Support;
using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>`oak lab up/down` as a user meets them, with the test names (OAK_LAB_PREFIX etc.) so no real lab is touched.</summary>
[Collection("lab fabric")]
public class LabCommandTests
{
    private static Oak NewOak()
    {
        var oak = new Oak();
        oak.Env["OAK_LAB_PREFIX"] = "oakt-lab-";
        oak.Env["OAK_LAB_BRIDGE"] = "oakt-lab0";
        oak.Env["OAK_LAB_SUBNET"] = "10.99.251";
        return oak;
    }

    [SkippableFact]
    public async Task Down_without_a_lab_says_so_and_succeeds()
    {
        Requires.RootWithNetns();
        using var oak = NewOak();
        var r = await oak.RunAsync("lab", "down");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("no lab running: nothing to do\n", r.Out);
    }

    [SkippableFact]
    public async Task Up_without_built_nodes_and_no_build_fails_before_creating_anything()
    {
        Requires.RootWithNetns();
        using var oak = NewOak(); // an empty checkout: nothing is built
        var r = await oak.RunAsync("lab", "up", "--no-build");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("oak: Root is not built (src/Root/bin/Release/net10.0/Oakestra.Actors.Root.dll is missing); run without --no-build", Assert.Single(r.ErrLines));
        Assert.Empty(LabFabric.Namespaces("oakt-lab-"));
        Assert.False(LabFabric.LinkExists("oakt-lab0"));
    }

    [SkippableFact]
    public async Task Up_whose_root_dies_names_its_log_and_down_cleans_everything()
    {
        Requires.RootWithNetns();
        using var oak = NewOak();
        // "Built" programs that are not assemblies: dotnet refuses them at once, as a crashing root would exit.
        foreach (var project in LabBuild.Projects)
        {
            var dll = LabBuild.Dll(oak.RepoRoot, project);
            Directory.CreateDirectory(Path.GetDirectoryName(dll)!);
            await File.WriteAllTextAsync(dll, "not an assembly");
        }
        try
        {
            var up = await oak.RunAsync("lab", "up", "--no-build", "--workers", "2", "--timeout", "20");
            Assert.Equal(1, up.ExitCode);
            var line = Assert.Single(up.ErrLines);
            Assert.StartsWith("oak: root exited while waiting for the root's HTTP API", line);
            Assert.Contains("see .lab/logs/root.log", line);
            Assert.Equal(["oakt-lab-o1", "oakt-lab-root", "oakt-lab-w1", "oakt-lab-w2"], LabFabric.Namespaces("oakt-lab-").Order());

            var again = await oak.RunAsync("lab", "up", "--no-build");
            Assert.Equal("oak: lab already running, `oak lab down` first", Assert.Single(again.ErrLines));

            var down = await oak.RunAsync("lab", "down");
            Assert.Equal(0, down.ExitCode);
            Assert.Empty(LabFabric.Namespaces("oakt-lab-"));
            Assert.False(LabFabric.LinkExists("oakt-lab0"));
            Assert.False(File.Exists(Path.Combine(oak.RepoRoot, ".lab", "state.json")));
        }
        finally
        {
            LabFabric.Remove("oakt-lab-", "oakt-lab0");
        }
    }
}
