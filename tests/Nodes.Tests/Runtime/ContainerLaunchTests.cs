using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.WorkerNode.Adapters;
using Oakestra.Actors.WorkerNode.Runtime.Containers;

namespace Oakestra.Actors.Nodes.Tests.Runtime;

/// <summary>What a worker makes of a container launch before containerd sees it.</summary>
public sealed class ContainerLaunchTests
{
    [Theory]
    [InlineData("nginx", "docker.io/library/nginx:latest")]
    [InlineData("oak-demo:lab", "docker.io/library/oak-demo:lab")]
    [InlineData("curlimages/curl:7.82.0", "docker.io/curlimages/curl:7.82.0")]
    [InlineData("docker.io/library/nginx:latest", "docker.io/library/nginx:latest")]
    [InlineData("localhost/app", "localhost/app:latest")]
    [InlineData("registry.example:5000/team/app", "registry.example:5000/team/app:latest")]
    [InlineData("ghcr.io/x/y@sha256:abc", "ghcr.io/x/y@sha256:abc")]
    public void Short_image_names_are_made_explicit_as_ctr_import_stores_them(string image, string expected) =>
        Assert.Equal(expected, ImageReference.Normalize(image));

    [Fact]
    public void A_container_launch_carries_image_cmd_and_environment_to_the_runtime()
    {
        var launch = new Contracts.Protocol.InstanceLaunch("a.b.c.d.0", "a.b.c.d", 0, Ipv4Address.Parse("10.30.0.9"), Ipv6Address.Parse("fdff::9"),
            "nginx", 80, 3, "container", ["nginx", "-g", "daemon off;"], ["A=1", "B=x=y", "A=2"]);
        var runtime = NamespaceInstanceHost.RuntimeLaunchOf(launch);
        Assert.Equal("docker.io/library/nginx:latest", runtime.Container!.ImageRef);
        Assert.Equal(["nginx", "-g", "daemon off;"], runtime.Container.Command);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "2", ["B"] = "x=y" }, runtime.Environment);
    }

    [Fact]
    public void A_container_launch_passes_the_slas_limits_to_ctr()
    {
        var launch = new Contracts.Protocol.InstanceLaunch("a.b.c.d.0", "a.b.c.d", 0, Ipv4Address.Parse("10.30.0.9"), Ipv6Address.Parse("fdff::9"),
            "app", null, 3, "container", Limits: new Contracts.Protocol.InstanceLimits(MemoryBytes: 64L << 20, Vcpus: 1.5));
        var script = ContainerCommand.Script(new ContainerdOptions("/run/x.sock", "lab"), NamespaceInstanceHost.RuntimeLaunchOf(launch).Container!,
            "oak-w1-i2", "oak-w1-i2", []);
        Assert.Contains("'--memory-limit' '67108864'", script, StringComparison.Ordinal);
        Assert.Contains("'--cpus' '1.5'", script, StringComparison.Ordinal);
    }

    [Fact]
    public void A_process_launch_has_no_container()
    {
        var launch = new Contracts.Protocol.InstanceLaunch("a.b.c.d.0", "a.b.c.d", 0, Ipv4Address.Parse("10.30.0.9"), Ipv6Address.Parse("fdff::9"), "sleep 5", null, 3);
        Assert.Null(NamespaceInstanceHost.RuntimeLaunchOf(launch).Container);
    }

    [Fact]
    public void The_ctr_script_quotes_every_word_and_joins_the_instance_namespace()
    {
        var script = ContainerCommand.Script(new ContainerdOptions("/run/x.sock", "lab"), new ContainerSpec("app", ["sh", "-c", "echo 'hi'; sleep 1"]),
            "oak-w1-i2", "oak-w1-i2", [new("K", "v w")]);
        Assert.Contains("'--with-ns' 'network:/run/netns/oak-w1-i2'", script, StringComparison.Ordinal);
        Assert.Contains("'--env' 'K=v w'", script, StringComparison.Ordinal);
        Assert.EndsWith("'docker.io/library/app:latest' 'oak-w1-i2' 'sh' '-c' 'echo '\\''hi'\\''; sleep 1'", script, StringComparison.Ordinal);
    }
}
