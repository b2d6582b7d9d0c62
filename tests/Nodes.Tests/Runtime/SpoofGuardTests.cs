using System.Net;
using Oakestra.Actors.WorkerNode.Runtime.Sandbox;
using Oakestra.Actors.WorkerNode.Shell;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

public class SpoofGuardTests
{
    /// <summary>A machine without nft: every command "could not be started".</summary>
    private sealed class NoNft : ICommandRunner
    {
        public int Calls;

        public Task<CommandResult> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default) => Fail(command);

        public Task<CommandResult> TryRunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default) => Fail(command);

        public IReadOnlyList<string> Resolve(IReadOnlyList<string> command) => command;

        private Task<CommandResult> Fail(IReadOnlyList<string> command)
        {
            Calls++;
            throw new CommandFailedException(command, null, "No such file or directory", "could not be started");
        }
    }

    [Fact]
    public async Task Without_nft_the_guard_warns_once_and_instances_run_unguarded()
    {
        var runner = new NoNft();
        var guard = new SpoofGuard(runner, "oakw_guard", "oakwv", Path.GetTempPath());
        var warnings = new List<string>();
        guard.Unavailable += warnings.Add;
        var port = new GuardedPort("oakwv2", "02:00:00:00:00:02", IPAddress.Parse("10.99.81.2"), IPAddress.Parse("fd99:81::2"));

        await guard.ResetAsync([port], default);
        await guard.AddAsync(port, default);
        await guard.RemoveAsync(port.Veth, default);

        Assert.Contains("not installed", Assert.Single(warnings));
        Assert.Equal(1, runner.Calls); // probed once, then left alone
    }
}
