using Oakestra.Actors.Bench.ControlPlane;
using Xunit.Abstractions;

namespace Oakestra.Actors.Nodes.Tests.Tiers;

/// <summary>
/// bench/ControlPlane's harness at a tiny size: the real root and orchestrator programs as processes, inert workers
/// registered through the real protocol. Nothing is lost: every change reaches every worker interested in it.
/// </summary>
public class ControlPlaneBenchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_inert_worker_applies_every_change_of_a_service_it_is_interested_in()
    {
        var size = new BenchSize(Sites: 2, WorkersPerSite: 3, Services: 5, Instances: 10) { Interests = 2, Changes = 5, Rates = [5] };
        BenchResult result;
        await using (var harness = new ControlPlaneHarness(size, line => { try { output.WriteLine(line); } catch (InvalidOperationException) { } }))
            result = (await harness.RunAsync(CancellationToken.None)).Single();
        output.WriteLine(result.Table());

        Assert.Equal(result.InterestsWanted, result.InterestsHeld);
        Assert.Equal(5, result.ChangesMade);
        Assert.Empty(result.Lost);
        // Every change was measured at every worker interested in it, at least the node its new instance runs on.
        Assert.Equal(5, result.Propagation.Count);
        Assert.True(result.InterestedPerChange >= 1, $"{result.InterestedPerChange} interested workers per change");
    }
}
