using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests;

/// <summary>TestKit with a generous time factor: the machine is shared and loaded; never flake on timing.</summary>
public abstract class NodesTestKit(ITestOutputHelper output)
    : TestKit("akka.test.timefactor = 3\nakka.loglevel = WARNING\nakka.stdout-loglevel = WARNING", output)
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    protected void Eventually(Action assertion, TimeSpan? within = null) =>
        AwaitAssert(assertion, within ?? Patience, TimeSpan.FromMilliseconds(50));
}
