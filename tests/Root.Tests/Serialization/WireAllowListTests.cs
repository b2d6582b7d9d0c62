using System.Collections.Concurrent;
using System.Reflection;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Oakestra.Actors.Contracts.Discovery;
using Oakestra.Actors.Contracts.Messaging;
using Oakestra.Actors.Contracts.Serialization;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Serialization;

/// <summary>A type a sender might name to make the receiver run code: its constructor counts.</summary>
public sealed class Sentinel
{
    public static int Constructed;

    public Sentinel() => Interlocked.Increment(ref Constructed);

    public string Name { get; set; } = "gadget";
}

/// <summary>Allowed messages: one to prove the channel works, one whose object-typed field could carry anything.</summary>
public sealed record Probe(string Label) : IClusterMessage;

public sealed record Carrier(string Label, object Payload) : IClusterMessage;

/// <summary>
/// Cluster messages are read by a serializer that constructs only listed types, and no serializer reachable from
/// remoting constructs a type merely because the sender names it: not as a message, not nested in an allowed one.
/// </summary>
[Collection(nameof(SentinelCollection))]
public sealed class WireAllowListTests
{
    private static readonly string SentinelName = $"{typeof(Sentinel).FullName}, {typeof(Sentinel).Assembly.GetName().Name}";

    [Fact]
    public async Task No_serializer_id_of_a_member_constructs_a_type_the_sender_names()
    {
        await using var target = await TestRoot.StartAsync();
        using var forger = Forger.Start();
        try
        {
            var payloads = forger.Payloads();
            Sentinel.Constructed = 0;
            var serialization = ((ExtendedActorSystem)target.System).Serialization;
            var byId = (Dictionary<int, Serializer>)typeof(Akka.Serialization.Serialization)
                .GetField("_serializersById", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(serialization)!;
            var ids = byId.Keys.ToArray();
            Assert.Contains(NoObjectSerializer.SerializerId, ids);
            Assert.True(ids.Length >= 8, $"only {ids.Length} serializers: {string.Join(",", ids)}");
            var tried = 0;
            foreach (var id in ids)
            foreach (var (bytes, manifest) in payloads)
            foreach (var named in new[] { manifest, SentinelName, typeof(Sentinel).AssemblyQualifiedName!, "" })
            {
                object? back = null;
                try { back = serialization.Deserialize(bytes, id, named); }
                catch (Exception) { /* refused: what we want */ }
                tried++;
                Assert.True(Sentinel.Constructed == 0, $"serializer {id} ({byId[id].GetType().Name}) constructed the sentinel from manifest '{named}'");
                Assert.False(back is Sentinel or Carrier { Payload: Sentinel }, $"serializer {id} built {back} from manifest '{named}'");
            }
            Assert.True(tried > 0);
            Assert.Equal(0, Sentinel.Constructed);

            // The allow-list lets our messages through: the same forged Hyperion bytes of an allowed message are read.
            var probe = forger.Hyperion.ToBinary(new Probe("ok"));
            Assert.Equal(new Probe("ok"), serialization.Deserialize(probe, OakestraSerializationIds.Hyperion((ExtendedActorSystem)target.System), ""));
        }
        finally { TestRoot.DeleteDataDir(target.DataDir); }
    }

    [Fact]
    public async Task A_remote_system_sending_the_sentinel_as_a_message_or_nested_gets_nothing_constructed()
    {
        await using var target = await TestRoot.StartAsync();
        using var forger = Forger.Start();
        try
        {
            var inbox = new ConcurrentQueue<object>();
            target.System.ActorOf(Props.Create(() => new Inbox(inbox)), "inbox");
            var path = $"{target.Address}/user/inbox";
            Sentinel.Constructed = 0;

            // Serialized by the forger (constructing its own copies), so count only what the target builds.
            var before = new Probe("before");
            var attempts = new object[]
            {
                new Sentinel(),                         // via the forger's permissive Hyperion (our id)
                new Carrier("nested", new Sentinel()),  // an allowed message carrying it in an object field
                new Identify(new Sentinel()),           // Akka's own message with an object field (misc serializer)
                new ForJson(new Sentinel()),            // Akka's default object serializer (Newtonsoft JSON, id 1)
                new Identify(new ForJson(new Sentinel())),
            };
            var built = Sentinel.Constructed;
            var probe = forger.System.ActorSelection(path);
            probe.Tell(before);
            Eventually(() => inbox.Contains(before));
            foreach (var a in attempts) probe.Tell(a);
            var after = new Probe("after");
            probe.Tell(after);
            Eventually(() => inbox.Contains(after));

            Assert.Equal(built, Sentinel.Constructed);
            Assert.DoesNotContain(inbox, m => m is Sentinel or Carrier or ForJson);
        }
        finally { TestRoot.DeleteDataDir(target.DataDir); }
    }

    private static void Eventually(Func<bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail("timed out");
            Thread.Sleep(100);
        }
    }

    /// <summary>Bound to Akka's default object serializer on the forger, so its bytes go out with id 1.</summary>
    public sealed record ForJson(Sentinel Inner);

    private sealed class Inbox : ReceiveActor
    {
        public Inbox(ConcurrentQueue<object> received) => ReceiveAny(received.Enqueue);
    }

    /// <summary>A remote system that serializes whatever it likes: Hyperion without a filter, Akka's defaults otherwise.</summary>
    private sealed record Forger(ActorSystem System) : IDisposable
    {
        public Serializer Hyperion => ((ExtendedActorSystem)System).Serialization.FindSerializerFor(new Probe("x"));

        public static Forger Start() => new(ActorSystem.Create("forger", ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.loglevel = WARNING
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
            akka.actor.serialization-bindings {
              "{{SentinelName}}" = hyperion
            }
            {{NodeRoles.SerializationHocon}}
            """)));

        /// <summary>The sentinel as the forger's serializers write it, with the manifest each would send.</summary>
        public IReadOnlyList<(byte[] Bytes, string Manifest)> Payloads()
        {
            var serialization = ((ExtendedActorSystem)System).Serialization;
            var list = new List<(byte[], string)>();
            foreach (var o in new object[] { new Sentinel(), new Carrier("c", new Sentinel()), new ForJson(new Sentinel()), new Identify(new Sentinel()) })
            {
                var s = serialization.FindSerializerFor(o);
                list.Add((s.ToBinary(o), Akka.Serialization.Serialization.ManifestFor(s, o)));
            }
            return list;
        }

        public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}

/// <summary>The sentinel's counter is process-wide: its tests never run beside each other.</summary>
[CollectionDefinition(nameof(SentinelCollection), DisableParallelization = true)]
public sealed class SentinelCollection;
