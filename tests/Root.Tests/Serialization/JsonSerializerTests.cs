using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Serialization;

[PersistedAs("test-addressed")]
public sealed record AddressedEvent(Ipv4Address V4, Ipv6Address? V6, Ipv4Prefix SubnetV4, Ipv6Prefix? SubnetV6, IReadOnlyList<Ipv4Address> More)
    : IPersistedMessage;

public sealed record UnmarkedEvent(string X) : IPersistedMessage;

/// <summary>The journal serializer on its own: manifests, address text, tolerance to changed shapes.</summary>
public sealed class JsonSerializerTests : IAsyncLifetime
{
    private TestRoot _node = null!;
    private OakJsonSerializer Serializer => (OakJsonSerializer)_node.System.Serialization.FindSerializerForType(typeof(AddressedEvent));

    public async Task InitializeAsync() => _node = await TestRoot.StartAsync(role: OakestraRoles.Worker);

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        TestRoot.DeleteDataDir(_node.DataDir);
    }

    [Fact]
    public void Addresses_are_written_as_text_and_read_back()
    {
        var e = new AddressedEvent(Ipv4Address.Parse("10.30.0.1"), Ipv6Address.Parse("fdff:2000::1"),
            Ipv4Prefix.Parse("10.18.0.64/26"), null, [Ipv4Address.Parse("10.30.0.2")]);
        Assert.Equal("test-addressed", Serializer.Manifest(e));
        var json = Encoding.UTF8.GetString(Serializer.ToBinary(e));
        Assert.Contains("\"10.30.0.1\"", json);
        Assert.Contains("\"fdff:2000::1\"", json);
        Assert.Contains("\"10.18.0.64/26\"", json);
        var back = (AddressedEvent)Serializer.FromBinary(Encoding.UTF8.GetBytes(json), "test-addressed");
        Assert.Equal(e.V4, back.V4);
        Assert.Equal(e.V6, back.V6);
        Assert.Equal(e.SubnetV4, back.SubnetV4);
        Assert.Null(back.SubnetV6);
        Assert.Equal(e.More, back.More);
    }

    [Fact]
    public void Unknown_properties_are_ignored_and_missing_optional_ones_take_their_defaults()
    {
        var json = """{"Text":"n","Count":3,"RemovedLongAgo":{"deep":[1,2]}}""";
        var back = (EvolvingNote)Serializer.FromBinary(Encoding.UTF8.GetBytes(json), EvolvingNote.Manifest);
        Assert.Equal(new EvolvingNote("n", 3), back with { Labels = null });
        Assert.Null(back.Tag);
        Assert.Equal(EvolvingNote.DefaultPriority, back.Priority);
    }

    [Fact]
    public void A_persisted_type_without_a_manifest_attribute_is_refused_with_a_clear_message()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Serializer.Manifest(new UnmarkedEvent("x")));
        Assert.Contains(nameof(PersistedAsAttribute), ex.Message);
    }

    [Fact]
    public void An_unknown_manifest_is_a_serialization_error() =>
        Assert.Throws<SerializationException>(() => Serializer.FromBinary("{}"u8.ToArray(), "no-such-manifest"));
}
