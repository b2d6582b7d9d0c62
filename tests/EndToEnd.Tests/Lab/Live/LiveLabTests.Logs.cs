namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

public sealed partial class LiveLabTests
{
    /// <summary>
    /// `oak logs` reads a demo instance's output from the worker that runs it (root → orchestrator → worker): the
    /// server's start line names the instance; --tail bounds it; an unknown instance is the root's 404.
    /// </summary>
    [SkippableFact, Step(2)]
    public async Task Logs_of_a_demo_instance_show_its_server_output_through_the_root()
    {
        lab.RequireUp();
        var id = $"{LiveLabFixture.Service}.0";
        var all = await lab.OakOk("logs", id);
        Assert.Contains($"demo: serving TCP/HTTP and UDP on port", all.Out, StringComparison.Ordinal);
        Assert.Contains(id, all.Out, StringComparison.Ordinal);

        var tail = await lab.OakOk("logs", id, "--tail", "1");
        Assert.Single(tail.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith(tail.Out.TrimEnd('\n').Split('\n')[^1], all.Out.TrimEnd('\n'), StringComparison.Ordinal);

        var unknown = await lab.Oak(LabFixture.Short, "logs", $"{LiveLabFixture.Service}.99");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("404", unknown.Err, StringComparison.Ordinal);
        log.WriteLine($"oak logs {id}: {all.Out.Length} characters; last line: {tail.Out.Trim()}");
    }
}
