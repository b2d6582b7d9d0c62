using Oakestra.Actors.Tests.Shared;
using Oakestra.Actors.WorkerNode.Runtime;
using static Oakestra.Actors.WorkerNode.Runtime.InstanceStatus;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>
/// In the lab the worker runs as <c>ip netns exec oak-wN worker</c>: inside the node's network namespace AND
/// in a private mount namespace (a slave of the machine's) that <c>ip netns exec</c> unshared. These tests run
/// every command of the code under test inside such a process's namespaces (nsenter --net --mount), so the
/// runtime behaves exactly as it would there, with no node prefix of its own.
/// </summary>
public class WorkerInsideNodeTests
{
    [SkippableFact]
    public async Task Instances_work_from_inside_the_node_but_their_netns_names_stay_private_to_the_worker()
    {
        Requires.RootWithNetns();
        await using var lab = await NodeLab.CreateAsync();
        var shell = await lab.InsideWorkerAsync();
        await lab.Network(shell).SetUpAsync();
        var runtime = new InstanceRuntime(lab.RuntimeOptions(), shell);
        try
        {
            var statuses = new StatusRecorder(runtime);
            var a = await runtime.StartAsync(InstanceRuntimeTests.Launch("a",
                "exec socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo hi'", port: 8080));
            var b = await runtime.StartAsync(InstanceRuntimeTests.Launch("b", "exec sleep 60"));
            await statuses.WaitAsync("a", Running); // the readiness probe connected from inside the node
            await statuses.WaitAsync("b", Running);

            // Host end in the node namespace on the bridge, eth0 in the instance, processes in their netns.
            Assert.Contains($"master {NodeLab.Bridge}", await Sh.InNs(lab.NodeNetns, "ip", "-o", "link", "show", "dev", a.HostVeth));
            var output = new MemoryStream();
            Assert.Equal(0, await runtime.ExecAsync("b", ["socat", "-T3", "-u", $"TCP:{a.NamespaceIpv4}:8080", "-"], new ExecStreams(null, output, Stream.Null)));
            Assert.Equal("hi\n", System.Text.Encoding.UTF8.GetString(output.ToArray()));

            // The surprise: `ip netns add` ran in the worker's private mount namespace, so the bind mount
            // behind /run/netns/<name> never propagates back. The file is listed everywhere (same tmpfs),
            // but outside the worker it is an empty file, not a namespace.
            Assert.Contains(a.NetworkNamespace, await Sh.NetnsNames());
            var outside = await Sh.Try("ip", "netns", "exec", a.NetworkNamespace, "true");
            Assert.False(outside.Succeeded, "the instance netns was usable outside the worker's mount namespace");

            Assert.True(await runtime.StopAsync("a"));
            Assert.True(await runtime.StopAsync("b"));
            Assert.Equal([Starting, Running, Stopped], statuses.Statuses("a"));
            await lab.AssertNoInstanceLeftoversAsync();
            Assert.Equal(61, runtime.FreeAddresses);
            await lab.Network(shell).TearDownAsync();
            Assert.DoesNotContain(NodeLab.Bridge, await Sh.Links(lab.NodeNetns));
        }
        finally
        {
            await runtime.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task With_the_machine_mount_namespace_configured_instance_netns_are_visible_everywhere()
    {
        Requires.RootWithNetns();
        await using var lab = await NodeLab.CreateAsync();
        var shell = await lab.InsideWorkerAsync();
        await lab.Network(shell).SetUpAsync();
        // In the lab this is /proc/1/ns/mnt; here "the machine" is the test process's mount namespace.
        var options = lab.RuntimeOptions() with { NetnsMountNamespace = $"/proc/{Environment.ProcessId}/ns/mnt" };
        var runtime = new InstanceRuntime(options, shell);
        try
        {
            var statuses = new StatusRecorder(runtime);
            var a = await runtime.StartAsync(InstanceRuntimeTests.Launch("a", "exec sleep 60"));
            await statuses.WaitAsync("a", Running);

            // Created in the machine's mount namespace, propagated into the worker's slave copy: both see it.
            Assert.Contains($"inet {a.NamespaceIpv4}/26", await Sh.InNs(a.NetworkNamespace, "ip", "-4", "-o", "addr", "show", "dev", "eth0"));
            var output = new MemoryStream();
            Assert.Equal(0, await runtime.ExecAsync("a", ["ping", "-c1", "-W3", "10.18.0.65"], new ExecStreams(null, output, Stream.Null)));

            Assert.True(await runtime.StopAsync("a"));
            await lab.AssertNoInstanceLeftoversAsync();
            Assert.False((await Sh.Try("ip", "netns", "exec", a.NetworkNamespace, "true")).Succeeded);
        }
        finally
        {
            await runtime.DisposeAsync();
        }
    }
}
