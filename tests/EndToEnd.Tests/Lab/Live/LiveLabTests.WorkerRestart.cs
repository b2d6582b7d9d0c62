using System.Diagnostics;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>
/// A worker process killed (SIGKILL, a crash) or stopped (SIGTERM, an upgrade) and started again at once: its instances
/// keep running and are adopted, not restarted.
/// </summary>
public sealed partial class LiveLabTests
{
    [SkippableTheory, Step(11)]
    [InlineData("KILL")]
    [InlineData("TERM")]
    public async Task A_killed_or_stopped_worker_started_again_adopts_its_instances_and_their_Instance_IP_answers_within_10_s(string signal)
    {
        lab.RequireUp();
        var (_, before) = await Settled();
        var svc = await lab.ServiceAsync();
        // Not on the client's node (the client keeps running its loop); the next steps' victim only if no other
        // node has one: a restart leaves it as it was for them.
        var target = svc.Instances.Where(i => i.Status == "Running" && i.Node != lab.ClientNode && i.Id != PinnedToVictim)
            .OrderBy(i => i.Node == Victim).First();
        var node = target.Node!;

        var loop = CurlRun.GetAsync(lab, target.Ipv4, 600, "20/s");
        await Task.Delay(TimeSpan.FromSeconds(3));
        // SIGKILL: the worker's data plane and ActorSystem die with it. SIGTERM: it leaves its site and ends, leaving
        // its instances running (Oak:Node:OnExit = keep).
        var stopping = Stopwatch.StartNew();
        await lab.OakOk("lab", "kill", node, "--signal", signal); // returns once the process is gone
        var stopped = stopping.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await lab.OakOk("lab", "start", node);
        var sw = Stopwatch.StartNew();

        var tries = new List<string>();
        await WaitFor(TimeSpan.FromSeconds(45), async () =>
        {
            var o = (await CurlRun.GetAsync(lab, target.Ipv4, 1))[0];
            tries.Add($"{sw.Elapsed.TotalSeconds:F1}s {(o.Ok ? $"{o.Answer!.Instance}@{o.Answer.Node}" : o.ToString())}");
            return o.Ok && o.Answer!.Instance == target.Id && o.Answer.Node == node ? o : null;
        }, $"{target.Id} answering from {node}", describe: () => string.Join("; ", tries));
        var recovery = sw.Elapsed;
        await AnswersOnItsInstanceIp(target.Id, target, 6);
        var outcomes = await loop;
        var failed = outcomes.Count(o => !o.Ok);
        log.WriteLine($"{node} ended by SIG{signal} in {stopped.TotalSeconds:F1} s and started again 3 s later: {target.Id}'s Instance IP answered {recovery.TotalSeconds:F1} s after the start; " +
                      $"the 20/s loop: {outcomes.Count - failed} of {outcomes.Count} answered, {failed} failed while {node} was down; " +
                      "answered by " + string.Join(", ", outcomes.Where(o => o.Ok).GroupBy(o => $"{o.Answer!.Instance}@{o.Answer.Node}").Select(g => $"{g.Count()}× {g.Key}")));

        await AssertInstancesKept(before, $"{node}'s restart"); // every process of every instance: the same pids
        var after = await lab.ServiceAsync();
        Assert.All(svc.Instances.Where(i => i.Node == node), i => Assert.Equal((node, "Running"), (after.Instance(i.Id)!.Node!, after.Instance(i.Id)!.Status)));
        Assert.True(recovery < TimeSpan.FromSeconds(10), $"after SIG{signal}, the Instance IP answered only {recovery.TotalSeconds:F1} s after the worker started again; probes: {string.Join("; ", tries)}");
        // Nothing fails once it is back.
        Assert.All(await CurlRun.GetAsync(lab, target.Ipv4, 20), o => Assert.True(o.Ok && o.Answer!.Instance == target.Id, o.ToString()));
    }
}
