using System.Diagnostics;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>A worker process killed (SIGKILL) and started again at once: its instances are adopted, not restarted.</summary>
public sealed partial class LiveLabTests
{
    [SkippableFact, Step(8)]
    public async Task A_SIGKILLed_worker_started_again_adopts_its_instances_and_their_Instance_IP_answers_within_10_s()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        // Not on the client's node (the client keeps running its loop); the next steps' victim only if no other
        // node has one (step 6 may have moved an instance there): a restart leaves it as it was for them.
        var target = svc.Instances.Where(i => i.Status == "Running" && i.Node != lab.ClientNode && i.Id != PinnedToVictim)
            .OrderBy(i => i.Node == Victim).First();
        var node = target.Node!;
        var before = await InstanceProcessesOn(node);
        Assert.NotEmpty(before);

        var loop = CurlRun.GetAsync(lab, target.Ipv4, 600, "20/s");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Process.GetProcessById(WorkerPid(node)).Kill(); // SIGKILL: the worker's data plane and ActorSystem die with it
        await Task.Delay(TimeSpan.FromSeconds(3));
        await lab.OakOk("lab", "start", node);
        var sw = Stopwatch.StartNew();

        var tries = new List<string>();
        var answered = await WaitFor(TimeSpan.FromSeconds(45), async () =>
        {
            var o = (await CurlRun.GetAsync(lab, target.Ipv4, 1))[0];
            tries.Add($"{sw.Elapsed.TotalSeconds:F1}s {(o.Ok ? $"{o.Answer!.Instance}@{o.Answer.Node}" : o.ToString())}");
            return o.Ok && o.Answer!.Instance == target.Id && o.Answer.Node == node ? o : null;
        }, $"{target.Id} answering from {node}");
        var recovery = sw.Elapsed;
        log.WriteLine("probes after the start: " + string.Join("; ", tries));
        await AnswersOnItsInstanceIp(target.Id, target, 6);
        var outcomes = await loop;
        var failed = outcomes.Count(o => !o.Ok);
        log.WriteLine("the loop: " + string.Join(", ", outcomes.GroupBy(o => o.Ok ? $"{o.Answer!.Instance}@{o.Answer.Node}" : "failed").Select(g => $"{g.Count()}× {g.Key}")));
        log.WriteLine($"{node} killed and started again 3 s later: {target.Id}'s Instance IP answered {recovery.TotalSeconds:F1} s after the start " +
                      $"(from {answered.Answer!.Node}); the 20/s loop: {outcomes.Count - failed} of {outcomes.Count} answered, {failed} failed while {node} was down");

        Assert.Equal(before, await InstanceProcessesOn(node)); // every process of every instance there: the same pids
        var after = await lab.ServiceAsync();
        Assert.All(svc.Instances.Where(i => i.Node == node), i => Assert.Equal((node, "Running"), (after.Instance(i.Id)!.Node!, after.Instance(i.Id)!.Status)));
        Assert.True(recovery < TimeSpan.FromSeconds(10), $"the Instance IP answered only {recovery.TotalSeconds:F1} s after the worker started again");
        // Nothing fails once it is back.
        Assert.All(await CurlRun.GetAsync(lab, target.Ipv4, 20), o => Assert.True(o.Ok && o.Answer!.Instance == target.Id, o.ToString()));
    }

    /// <summary>Every process in every instance namespace of <paramref name="node"/>, by namespace.</summary>
    private async Task<SortedDictionary<string, string>> InstanceProcessesOn(string node)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var ns in (await Namespaces()).Where(n => n.StartsWith($"oaklab-{node}-i", StringComparison.Ordinal)))
        {
            var pids = (await Proc.RunAsync(lab.Repo, LiveLabFixture.Short, "ip", "netns", "pids", ns)).Out
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order();
            result[ns] = string.Join(" ", pids);
        }
        return result;
    }
}
