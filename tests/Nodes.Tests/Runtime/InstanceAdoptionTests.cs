using System.Diagnostics;
using Oakestra.Actors.Tests.Shared;
using Oakestra.Actors.WorkerNode.Runtime;
using static Oakestra.Actors.WorkerNode.Runtime.InstanceStatus;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>
/// A worker process that crashed and came back: the runtime of the new process adopts what the old one
/// started and still runs (same processes, same addresses) and removes only what died meanwhile.
/// </summary>
public class InstanceAdoptionTests
{
    private static InstanceLaunch Launch(string id) => InstanceRuntimeTests.Launch(id, "exec sleep 600");

    [SkippableFact]
    public async Task A_new_runtime_adopts_the_instances_a_crashed_one_left_running_and_removes_the_one_that_died()
    {
        Requires.RootWithNetns();
        await using var lab = await NodeLab.CreateAsync();
        await lab.Network(lab.Beside()).SetUpAsync();
        var before = new InstanceRuntime(lab.RuntimeOptions(), lab.Beside());
        var beforeStatuses = new StatusRecorder(before);
        var kept = await before.StartAsync(Launch("kept"));
        var died = await before.StartAsync(Launch("died"));
        await beforeStatuses.WaitAsync("kept", Running);
        await beforeStatuses.WaitAsync("died", Running);

        before.Detach(); // the worker process is gone: nothing watches or stops the instances any more
        // Its own session: a signal to the worker's process group or session does not reach it.
        Assert.Equal(kept.ProcessId, SessionOf(kept.ProcessId));
        Kill(died.ProcessId); // an instance that ends while no worker runs
        await WaitUntil(() => ProcessIdentity.Of(died.ProcessId) is null);

        await using var after = new InstanceRuntime(lab.RuntimeOptions(), lab.Beside());
        var statuses = new StatusRecorder(after);
        var adoption = await after.AdoptAsync();

        var adopted = Assert.Single(adoption.Adopted);
        Assert.Equal((kept.Launch.InstanceId, kept.ProcessId, kept.NetworkNamespace, kept.NamespaceIpv4, kept.NamespaceIpv6),
            (adopted.Launch.InstanceId, adopted.ProcessId, adopted.NetworkNamespace, adopted.NamespaceIpv4, adopted.NamespaceIpv6));
        Assert.Equal(["died"], adoption.Gone);
        Assert.Contains(died.NetworkNamespace, adoption.Cleanup.Namespaces);
        for (var i = 0; i < 100 && (await Sh.Links(lab.NodeNetns)).Contains(died.HostVeth); i++) await Task.Delay(50);
        Assert.DoesNotContain(died.HostVeth, await Sh.Links(lab.NodeNetns)); // went with its namespace
        Assert.Contains(kept.HostVeth, await Sh.Links(lab.NodeNetns));
        Assert.True(ProcessIdentity.Of(kept.ProcessId) is not null, "the adopted instance was killed");
        Assert.Contains(kept.NetworkNamespace, await Sh.NetnsNames());
        Assert.DoesNotContain(died.NetworkNamespace, await Sh.NetnsNames());
        Assert.Empty(statuses.For("kept")); // adopting is no status change: it has been Running all along

        // The adopted instance's address stays taken; the dead one's is free again.
        var next = await after.StartAsync(Launch("next"));
        await statuses.WaitAsync("next", Running);
        Assert.NotEqual(kept.NamespaceIpv4, next.NamespaceIpv4);

        // Its end is seen although it is not this process's child, and cleaned up as any failure.
        Kill(kept.ProcessId);
        var failed = await statuses.WaitAsync("kept", Failed);
        Assert.Contains("adopted", failed.Detail);
        Assert.DoesNotContain(after.Instances, i => i.Launch.InstanceId == "kept");
        Assert.DoesNotContain(kept.NetworkNamespace, await Sh.NetnsNames());

        // A third process after this one adopts "next" only: the state file follows every start and end.
        after.Detach();
        await using var third = new InstanceRuntime(lab.RuntimeOptions(), lab.Beside());
        Assert.Equal(["next"], (await third.AdoptAsync()).Adopted.Select(i => i.Launch.InstanceId));
        Assert.True(await third.StopAsync("next"));
        await lab.AssertNoInstanceLeftoversAsync();
    }

    [SkippableFact]
    public async Task A_recorded_pid_that_now_belongs_to_another_process_is_neither_adopted_nor_signalled()
    {
        Requires.RootWithNetns();
        await using var lab = await NodeLab.CreateAsync();
        using var stranger = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        var identity = ProcessIdentity.Of(stranger.Id)!.Value;
        var options = lab.RuntimeOptions();
        RecordedInstance Recorded(string id, int slot, ulong startTime) => new("svc-a", id, 1, 3, "exec sleep 600", "10.30.0.9", "fdff::9", null, null,
            slot, options.NamespaceName(slot), options.VethName(slot), Path.Combine(lab.StateDirectory, id + ".log"), stranger.Id, startTime);
        new NodeState(options.NodeName, options.Subnet.Ipv4.ToString(), options.Subnet.Ipv6.ToString(), [
            Recorded("reused", 5, identity.StartTime + 1), // the pid, but started at another time
            Recorded("outside", 6, identity.StartTime),    // the very process, but not in the instance's namespace
        ]).Write(lab.StateDirectory);

        await using var runtime = new InstanceRuntime(options, lab.Beside());
        var adoption = await runtime.AdoptAsync();

        Assert.Empty(adoption.Adopted);
        Assert.Equal(["reused", "outside"], adoption.Gone);
        Assert.False(stranger.HasExited);
        Assert.Empty(NodeState.Read(lab.StateDirectory)!.Instances);
        stranger.Kill();
    }

    [Theory]
    [InlineData("4242 (sleep) S 1 4242 4242 0 -1 4194560 110 0 0 0 0 0 0 0 20 0 1 0 987654 2510848 128 18446744073709551615", 987654UL)]
    [InlineData("77 (a) (b) c) R 1 77 77 0 -1 4194560 110 0 0 0 0 0 0 0 20 0 1 0 12 2510848 128 18446744073709551615", 12UL)]
    [InlineData("77 (gone) Z 1 77 77 0 -1 4194560 110 0 0 0 0 0 0 0 20 0 1 0 12 0 0 0", null)]
    public void The_start_time_is_field_22_of_stat_counted_after_the_command_name_and_a_zombie_counts_as_gone(string stat, ulong? start)
    {
        var pid = int.Parse(stat[..stat.IndexOf(' ')]);
        Assert.Equal(start, ProcessIdentity.Parse(pid, stat)?.StartTime);
    }

    private static int SessionOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3]); // field 6: session id
    }

    private static void Kill(int pid) => Process.GetProcessById(pid).Kill();

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition());
    }
}
