using Akka.Actor;
using Akka.Serialization;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Root.Pools;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Serialization;

/// <summary>Every cluster message goes through Hyperion (the serializer Akka picks for it) and back unchanged.</summary>
public sealed class ClusterMessageSerializationTests : IAsyncLifetime
{
    private TestRoot _node = null!;

    public async Task InitializeAsync() => _node = await TestRoot.StartAsync(role: OakestraRoles.Worker);

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        TestRoot.DeleteDataDir(_node.DataDir);
    }

    [Fact]
    public void Every_contracts_cluster_message_round_trips_through_the_serializer_akka_picks()
    {
        var system = (ExtendedActorSystem)_node.System;
        var actor = system.ActorOf(Props.Empty, "ref-sample");
        var samples = MessageSamples.All(actor);
        foreach (var message in samples)
        {
            var serializer = system.Serialization.FindSerializerFor(message);
            Assert.IsType<HyperionSerializer>(serializer);
            var bytes = serializer.ToBinary(message);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            var back = system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.IsType(message.GetType(), back);
            Assert.Equal(StructuralJson.Of(message), StructuralJson.Of(back));
        }

        // The ref inside a message still reaches the actor.
        var resolved = (Oakestra.Actors.Contracts.Protocol.RegisterSite)system.Serialization.Deserialize(
            system.Serialization.FindSerializerFor(samples.OfType<Oakestra.Actors.Contracts.Protocol.RegisterSite>().First())
                .ToBinary(samples.OfType<Oakestra.Actors.Contracts.Protocol.RegisterSite>().First()),
            OakestraSerializationIds.Hyperion(system), "");
        Assert.Equal(actor, resolved.Orchestrator);

        // Every IClusterMessage of Contracts (and of the pool protocol) has a sample above.
        var covered = samples.Select(s => s.GetType()).ToHashSet();
        var required = typeof(IClusterMessage).Assembly.GetTypes()
            .Concat(typeof(AddressPools).Assembly.GetTypes().Where(t => t.Namespace == typeof(AddressPools).Namespace))
            .Where(t => typeof(IClusterMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });
        Assert.All(required, t => Assert.True(covered.Contains(t), $"add a sample of {t.Name} to MessageSamples"));
    }

    [Fact]
    public void Persisted_events_go_to_the_json_serializer_and_cluster_messages_to_hyperion()
    {
        var serialization = _node.System.Serialization;
        Assert.IsType<OakJsonSerializer>(serialization.FindSerializerFor(new PoolAddressAllocated("10.30.0.1", "o", DateTimeOffset.UnixEpoch)));
        Assert.IsType<OakJsonSerializer>(serialization.FindSerializerFor(new PoolSnapshot([], [])));
        Assert.IsType<HyperionSerializer>(serialization.FindSerializerFor(MessageSamples.Delta));
        Assert.IsType<HyperionSerializer>(serialization.FindSerializerFor(new PoolError(PoolErrorKind.Taken, "p", "m")));
    }
}

internal static class OakestraSerializationIds
{
    public static int Hyperion(ExtendedActorSystem system) =>
        system.Serialization.FindSerializerFor(new Oakestra.Actors.Contracts.Protocol.SiteRegistered("x")).Identifier;
}
