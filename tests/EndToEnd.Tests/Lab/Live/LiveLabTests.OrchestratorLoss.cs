namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>The site's orchestrator dies (kill -9) and is started again: the workers keep serving, then placement works.</summary>
public sealed partial class LiveLabTests
{
    [SkippableFact, Step(10)]
    public async Task Orchestrator_killed_and_started_again_stops_no_instance_and_placement_works_afterwards()
    {
        lab.RequireUp();
        var (sitePids, instances) = await Settled();

        var loops = await StartLoops(40);
        var start = await KillThenStart(loops, "o1", killAt: 5, startAt: 15);

        var probe = await DeployProbe("orchloss");
        var running = await WaitFor(TimeSpan.FromSeconds(30), () => ProbeRunning(probe), $"{probe} Running within 30 s of o1's start");
        var runningAt = start.Elapsed;
        var table = await WaitFor(TimeSpan.FromSeconds(30), async () => await TableOf("w1") is not null ? new { At = start.Elapsed } : null,
            "`oak table w1` answering through the restarted orchestrator");
        await ProbeAnswersThenUndeploy(probe, running);
        log.WriteLine($"o1 start → new deployment Running {runningAt.TotalSeconds:F1} s (on {running.Node}), oak table w1 answers {table.At.TotalSeconds:F1} s, " +
                      $"the deployment answering on its Instance IP {start.Elapsed.TotalSeconds:F1} s");

        await AssertLoopsAnswered(loops, "o1 kill -9 at 5 s, start at 15 s");
        var after = await SitePids();
        Assert.NotEqual(sitePids["o1"], after["o1"]); // it really was a new process
        Assert.Equal(sitePids.Where(p => p.Key != "o1"), after.Where(p => p.Key != "o1")); // no worker restarted
        await AssertInstancesKept(instances, "the orchestrator's loss and restart");
    }
}
