using System.Diagnostics;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>A worker process dies without a goodbye (SIGKILL): what its instances' users see.</summary>
public sealed partial class LiveLabTests
{
    private const string Victim = "w3";

    [SkippableFact, Step(12)]
    public async Task Instances_of_a_SIGKILLed_worker_come_back_elsewhere_with_the_same_Instance_IPs()
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        // The instance pinned to the victim by its SLA is the next step's business; this one needs an unpinned
        // instance there (step 6 migrated one; migrate one now if an earlier step failed before doing so).
        if (!svc.Instances.Any(i => i.Node == Victim && i.Id != PinnedToVictim))
        {
            var mover = svc.Instances.OrderBy(i => i.Node == lab.ClientNode).First(i => i.Id != PinnedToVictim && i.Status == "Running");
            await lab.OakOk("migrate", mover.Id, "--to", Victim);
            await WaitFor(TimeSpan.FromSeconds(90), async () => (await lab.ServiceAsync()).Instance(mover.Id) is { Status: "Running" } i && i.Node == Victim ? i : null,
                $"{mover.Id} Running on {Victim}");
            svc = await lab.ServiceAsync();
        }
        var lost = svc.Instances.Where(i => i.Node == Victim && i.Id != PinnedToVictim).ToList();
        Assert.NotEmpty(lost);
        Process.GetProcessById(WorkerPid(Victim)).Kill(); // SIGKILL: no leave, no goodbye to the cluster
        var sw = Stopwatch.StartNew();

        foreach (var before in lost)
        {
            var back = await WaitFor(TimeSpan.FromMinutes(4), async () =>
                (await lab.ServiceAsync()).Instance(before.Id) is { Status: "Running", Node: { } n } i && n != Victim ? i : null,
                $"{before.Id} Running on a worker other than {Victim}");
            log.WriteLine($"{before.Id} Running again on {back.Node} {sw.Elapsed.TotalSeconds:F0} s after SIGKILL");
            Assert.Equal((before.Ipv4, before.Ipv6), (back.Ipv4, back.Ipv6));
            foreach (var family in new[] { 4, 6 })
            {
                var answered = await AnswersOnItsInstanceIp(before.Id, back, family);
                log.WriteLine($"IPv{family} Instance IP answers from {answered.Answer!.Node} {sw.Elapsed.TotalSeconds:F0} s after SIGKILL");
            }
        }

        // The Round Robin IP now picks only instances that run: every new connection is answered, never by the victim.
        foreach (var family in new[] { 4, 6 })
        {
            var outcomes = await CurlRun.GetAsync(lab, svc.Ip("rr", family), 30);
            var failed = outcomes.Where(o => !o.Ok).ToList();
            Assert.True(failed.Count == 0, $"IPv{family}: {failed.Count} of 30 new RR connections failed after recovery: " +
                string.Join("; ", failed.GroupBy(f => f.ToString()).Select(g => $"{g.Count()}× {g.Key}")));
            Assert.All(outcomes, o => Assert.NotEqual(Victim, o.Answer!.Node));
        }
    }

    [SkippableFact, Step(13)]
    public async Task An_instance_pinned_to_a_SIGKILLed_worker_comes_back_elsewhere_and_answers()
    {
        lab.RequireUp();
        // Its SLA names the victim; with the victim gone the root places it on another worker rather than leave
        // the service short of an instance (and moves nothing back when the victim returns).
        var back = await WaitFor(TimeSpan.FromMinutes(3), async () =>
            (await lab.ServiceAsync()).Instance(PinnedToVictim) is { Status: "Running", Node: { } n } i && n != Victim ? i : null,
            $"{PinnedToVictim} Running on a worker other than {Victim}");
        foreach (var family in new[] { 4, 6 })
            await AnswersOnItsInstanceIp(PinnedToVictim, back, family);
    }

    [SkippableFact, Step(13)]
    public async Task The_SIGKILLed_worker_started_again_past_its_grace_stops_every_stale_instance_within_30_s()
    {
        lab.RequireUp();
        // Its instances kept running while it was away (they outlive the worker) and were placed again elsewhere
        // with new epochs; the returning worker adopts them from its state file, and the site's reconciliation
        // must stop every one of them: the same Instance IP must not be served twice.
        var svc = await lab.ServiceAsync();
        Assert.DoesNotContain(svc.Instances, i => i.Node == Victim);
        var stale = (await Namespaces()).Where(n => n.StartsWith($"{lab.Prefix}{Victim}-i", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(stale); // they survived the worker, as a container outlives a dead shim's parent
        await lab.OakOk("lab", "start", Victim);
        var sw = Stopwatch.StartNew();
        var left = await WaitFor(TimeSpan.FromSeconds(30), async () =>
            (await Namespaces()).Where(n => n.StartsWith($"{lab.Prefix}{Victim}-i", StringComparison.Ordinal)).ToList() is { Count: 0 } l ? l : null,
            "", orDefault: true);
        var remaining = (await Namespaces()).Where(n => n.StartsWith($"{lab.Prefix}{Victim}-i", StringComparison.Ordinal)).ToList();
        Assert.True(left is not null, $"30 s after {Victim} started again, its stale instances still run in {string.Join(", ", remaining)}");
        log.WriteLine($"{stale.Count} stale instances on {Victim} stopped {sw.Elapsed.TotalSeconds:F1} s after it started again");
        // And the Instance IPs still answer from where they were placed again.
        foreach (var i in (await lab.ServiceAsync()).Instances.Where(i => i.Status == "Running"))
            Assert.Equal(i.Node, (await AnswersOnItsInstanceIp(i.Id, i, 4)).Answer!.Node);
    }

    /// <summary>
    /// Ordinary client ports (the kernel's choice), as any user's program would use. When it never answers, the
    /// failure carries what the client's node and the instance's node forward by (`oak table`), to say which side is stale.
    /// </summary>
    private async Task<CurlRun.Outcome> AnswersOnItsInstanceIp(string id, InstanceView at, int family)
    {
        CurlRun.Outcome? last = null;
        var found = await WaitFor(TimeSpan.FromSeconds(45), async () =>
        {
            last = (await CurlRun.GetAsync(lab, at.Ip(family), 1))[0];
            return last.Ok && last.Answer!.Instance == id && last.Answer.Node == at.Node ? last : null;
        }, "", orDefault: true);
        if (found is not null) return found;
        var tables = new List<string>();
        foreach (var node in new[] { lab.ClientNode, at.Node! }.Distinct())
            tables.Add($"--- oak table {node}:\n{(await lab.Oak(LiveLabFixture.Short, "table", node)).Out}");
        Assert.Fail($"{id} did not answer on its IPv{family} Instance IP {at.Ip(family)} from {at.Node} within 45 s (last attempt: {last})\n" +
            string.Join("\n", tables));
        return null!;
    }
}
