using System.Text.Json;
using System.Text.Json.Nodes;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Root.Entities.Instances;
using Oakestra.Actors.Root.Entities.Services;

namespace Oakestra.Actors.Root.Tests.Serialization;

/// <summary>The creation events keep the SLA's new fields, and events written before those fields existed still read.</summary>
public sealed class OakestraFieldEventsTests
{
    private static readonly ServiceDescriptor Descriptor = new("a.b.c.d", "a", "b", "c", "d", "container", "docker.io/library/nginx:latest", 80, null, "site1",
        ["nginx", "-g", "daemon off;"], ["A=1"], [new ServicePort(8080, 80, "tcp"), new ServicePort(53, 53, "udp")], ["w2", "w3"], true,
        new InstanceLimits(100L << 20, 0.5));

    private static T RoundTrip<T>(T value, params string[] drop)
    {
        var node = JsonSerializer.SerializeToNode(value, OakJsonSerializer.Options)!;
        foreach (var path in drop)
        {
            var parts = path.Split('.');
            var parent = parts[..^1].Aggregate(node, (n, p) => n[p]!);
            parent.AsObject().Remove(parts[^1]);
        }
        return JsonSerializer.Deserialize<T>(node.ToJsonString(), OakJsonSerializer.Options)!;
    }

    [Fact]
    public void The_service_created_event_keeps_ports_node_lists_one_shot_and_limits()
    {
        var back = RoundTrip(new ServiceCreated(Descriptor, []));
        Assert.Equal(Descriptor.Ports, back.Descriptor.Ports);
        Assert.Equal(Descriptor.ConstraintNodes, back.Descriptor.ConstraintNodes);
        Assert.Equal(Descriptor.Command, back.Descriptor.Command);
        Assert.Equal(Descriptor.Environment, back.Descriptor.Environment);
        Assert.True(back.Descriptor.OneShot);
        Assert.Equal(Descriptor.Limits, back.Descriptor.Limits);
    }

    [Fact]
    public void A_service_created_event_from_before_these_fields_reads_with_their_defaults()
    {
        var back = RoundTrip(new ServiceCreated(Descriptor, []),
            "Descriptor.Ports", "Descriptor.ConstraintNodes", "Descriptor.OneShot", "Descriptor.Limits", "Descriptor.Command", "Descriptor.Environment");
        Assert.Equal((Descriptor.Id, Descriptor.Code, Descriptor.Port), (back.Descriptor.Id, back.Descriptor.Code, back.Descriptor.Port));
        Assert.Null(back.Descriptor.Ports);
        Assert.Null(back.Descriptor.ConstraintNodes);
        Assert.False(back.Descriptor.OneShot);
        Assert.Null(back.Descriptor.Limits);
    }

    [Fact]
    public void An_instance_created_event_from_before_these_fields_reads_with_their_defaults()
    {
        var created = new InstanceCreated("a.b.c.d", 0, Ipv4Address.Parse("10.30.0.7"), Ipv6Address.Parse("fdff::7"), "x", 80, null, null,
            "container", ["sh"], ["A=1"], ["w2", "w3"], true, new InstanceLimits(1 << 20));
        Assert.Equal(created.Limits, RoundTrip(created).Limits);
        var old = RoundTrip(created, "Nodes", "OneShot", "Limits");
        Assert.Equal((null, false, null), (old.Nodes, old.OneShot, old.Limits));
        Assert.Equal(["sh"], old.Command);
    }
}
