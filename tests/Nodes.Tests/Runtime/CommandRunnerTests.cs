using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

public class CommandRunnerTests
{
    [Fact]
    public async Task Failed_command_names_command_line_exit_code_and_stderr()
    {
        var runner = new CommandRunner();
        var e = await Assert.ThrowsAsync<CommandFailedException>(() =>
            runner.RunAsync(["/bin/sh", "-c", "echo route refused >&2; exit 3", "arg with space"]));
        Assert.Equal(3, e.ExitCode);
        Assert.Contains("/bin/sh -c 'echo route refused >&2; exit 3' 'arg with space'", e.Message);
        Assert.Contains("exited with code 3", e.Message);
        Assert.Contains("route refused", e.Message);
    }

    [Fact]
    public async Task Arguments_are_passed_verbatim_without_a_shell()
    {
        var result = await new CommandRunner().RunAsync(["printf", "%s|", "a b", "$HOME", "'q'", ";ls"]);
        Assert.Equal("a b|$HOME|'q'|;ls|", result.StandardOutput);
    }

    [Fact]
    public async Task Prefix_is_put_in_front_of_every_command()
    {
        var result = await new CommandRunner(["env", "OAK_PREFIXED=yes"]).RunAsync(["/bin/sh", "-c", "echo $OAK_PREFIXED"]);
        Assert.Equal("yes\n", result.StandardOutput);
        Assert.Equal(["env", "OAK_PREFIXED=yes", "/bin/sh", "-c", "echo $OAK_PREFIXED"], result.Command);
    }

    [Fact]
    public async Task Hanging_command_times_out_with_the_command_in_the_message()
    {
        var runner = new CommandRunner(timeout: TimeSpan.FromMilliseconds(300));
        var e = await Assert.ThrowsAsync<CommandFailedException>(() => runner.RunAsync(["sleep", "30"]));
        Assert.Null(e.ExitCode);
        Assert.Contains("`sleep 30` timed out", e.Message);
    }

    [Fact]
    public async Task Missing_program_is_a_command_failure()
    {
        var e = await Assert.ThrowsAsync<CommandFailedException>(() => new CommandRunner().RunAsync(["/nonexistent/oak-tool", "x"]));
        Assert.Contains("/nonexistent/oak-tool x", e.Message);
    }
}
