namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>The root tier is lost (kill -9) and comes back: the site keeps serving, then takes new work again.</summary>
public sealed partial class LiveLabTests
{
    [SkippableFact, Step(8)]
    public async Task Root_killed_and_started_30_s_later_stops_no_instance_and_placement_works_within_30_s_of_the_start()
    {
        lab.RequireUp();
        var (sitePids, instances) = await Settled();

        var loops = await StartLoops(60);
        var start = await KillThenStart(loops, "root", killAt: 5, startAt: 35);

        // What a user does once the root answers again: ask a worker's table, deploy something new.
        var table = await WaitFor(TimeSpan.FromSeconds(30), async () => await TableOf("w1") is not null ? new { At = start.Elapsed } : null,
            "`oak table w1` answering after the root's start");
        await WaitFor(TimeSpan.FromSeconds(30), async () => (await lab.Oak(LiveLabFixture.Short, "sites")).ExitCode == 0 ? "" : null,
            "the root's API answering after its start");
        var apiAt = start.Elapsed;
        var probe = await DeployProbe("rootloss");
        var running = await WaitFor(TimeSpan.FromSeconds(30) - start.Elapsed, () => ProbeRunning(probe),
            $"{probe} Running within 30 s of the root's start");
        var runningAt = start.Elapsed;
        await ProbeAnswersThenUndeploy(probe, running);
        var answeringAt = start.Elapsed;
        log.WriteLine($"root start → oak table w1 answers {table.At.TotalSeconds:F1} s, API answers {apiAt.TotalSeconds:F1} s, " +
                      $"new deployment Running {runningAt.TotalSeconds:F1} s (on {running.Node}), answering on its Instance IP {answeringAt.TotalSeconds:F1} s");

        await AssertLoopsAnswered(loops, "root kill -9 at 5 s, start at 35 s");
        Assert.Equal(sitePids, await SitePids()); // no orchestrator or worker restarted
        await AssertInstancesKept(instances, "the root's loss and restart");
    }
}
