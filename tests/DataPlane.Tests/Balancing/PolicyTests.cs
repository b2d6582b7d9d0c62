using System.Net;
using Oakestra.Actors.DataPlane.Balancing;
using Oakestra.Actors.DataPlane.Forwarding;
using Oakestra.Actors.DataPlane.Routing;
using Oakestra.Actors.DataPlane.Tests.Support;
using static Oakestra.Actors.DataPlane.Tests.Support.Lab;

namespace Oakestra.Actors.DataPlane.Tests.Balancing;

public class PolicyTests
{
    private static Dictionary<IPAddress, int> Spread(RouteTableSpec spec, string address, int flows)
    {
        var t = Translator(spec);
        var hits = new Dictionary<IPAddress, int>();
        for (int i = 0; i < flows; i++)
        {
            var p = Wire.Build(Wire.Udp, ANs4, address, (ushort)(10000 + i), 53);
            var where = t.FromTun(p, out var meta);
            Assert.NotEqual(Disposition.Drop, where);
            var dst = Wire.Destination(p);
            hits[dst] = hits.GetValueOrDefault(dst) + 1;
        }
        return hits;
    }

    [Fact]
    public void Round_robin_spreads_new_flows_evenly_over_all_instances()
    {
        var hits = Spread(Spec(), RemoteRr4, 300);
        Assert.Equal(3, hits.Count);
        Assert.All(hits.Values, n => Assert.InRange(n, 90, 110));
    }

    [Fact]
    public void Round_robin_is_a_true_rotation_and_includes_local_instances()
    {
        var t = Translator();
        var order = new List<IPAddress>();
        for (int i = 0; i < 6; i++)
        {
            var p = Wire.Build(Wire.Udp, ANs4, ServerRr4, (ushort)(20000 + i), 53);
            t.FromTun(p, out _);
            order.Add(Wire.Destination(p));
        }
        // L is local, so the packet reaches its Namespace IP; S2 and S3 are remote.
        var expected = new[] { LNs4, S2Inst4, S3Inst4, LNs4, S2Inst4, S3Inst4 }.Select(IPAddress.Parse);
        Assert.Equal(expected, order);
    }

    [Fact]
    public void Round_robin_rotation_continues_across_snapshots()
    {
        var holder = new SnapshotHolder(RouteSnapshot.Compile(Spec(1)));
        var t = new Oakestra.Actors.DataPlane.Translation.PacketTranslator(holder, SmallOptions());
        var p = Wire.Build(Wire.Udp, ANs4, RemoteRr4, 1, 53);
        t.FromTun(p, out _);
        Assert.Equal(IPAddress.Parse(R0Inst4), Wire.Destination(p));
        holder.Publish(RouteSnapshot.Compile(Spec(2), previous: holder.Current));
        p = Wire.Build(Wire.Udp, ANs4, RemoteRr4, 2, 53);
        t.FromTun(p, out _);
        Assert.Equal(IPAddress.Parse(R1Inst4), Wire.Destination(p));
    }

    [Fact]
    public void Closest_prefers_an_instance_on_this_node()
    {
        var hits = Spread(Spec(), ServerClosest4, 10);
        Assert.Equal(10, hits[IPAddress.Parse(LNs4)]);
    }

    [Fact]
    public void Closest_follows_the_lowest_rtt_when_it_wins_by_more_than_the_threshold()
    {
        // Peer 0 (Munich, same city as this node) is slower than peer 2 (Hamburg) by 4 ms: RTT decides.
        var spec = Spec(peers: Peers(rtt0: TimeSpan.FromMilliseconds(9), rtt1: TimeSpan.FromMilliseconds(20), rtt2: TimeSpan.FromMilliseconds(5)));
        var hits = Spread(spec, RemoteClosest4, 10);
        Assert.Equal(10, hits[IPAddress.Parse(R2Inst4)]);
    }

    [Fact]
    public void Closest_lets_geography_decide_when_rtts_are_within_the_threshold()
    {
        // 5 ms vs 6 ms: within 2 ms; Munich (peer 0) is nearer than Hamburg (peer 2).
        var spec = Spec(peers: Peers(rtt0: TimeSpan.FromMilliseconds(6), rtt1: TimeSpan.FromMilliseconds(30), rtt2: TimeSpan.FromMilliseconds(5)));
        var hits = Spread(spec, RemoteClosest4, 10);
        Assert.Equal(10, hits[IPAddress.Parse(R0Inst4)]);
    }

    [Fact]
    public void Closest_rotates_among_candidates_that_are_still_equal()
    {
        // Same RTT, same place: both Berlin peers tie.
        var berlin = Lab.Berlin;
        PeerSpec[] peers =
        [
            new(new IPEndPoint(IPAddress.Parse("192.168.50.2"), 50103), berlin, TimeSpan.FromMilliseconds(4)),
            new(new IPEndPoint(IPAddress.Parse("192.168.50.3"), 50103), berlin, TimeSpan.FromMilliseconds(4.5)),
            new(new IPEndPoint(IPAddress.Parse("192.168.50.4"), 50103), Lab.Hamburg, TimeSpan.FromMilliseconds(40)),
        ];
        var hits = Spread(Spec(peers: peers), RemoteClosest4, 10);
        Assert.Equal(5, hits[IPAddress.Parse(R0Inst4)]);
        Assert.Equal(5, hits[IPAddress.Parse(R1Inst4)]);
        Assert.False(hits.ContainsKey(IPAddress.Parse(R2Inst4)));
    }

    [Fact]
    public void Closest_without_any_measurement_uses_geography_alone()
    {
        var hits = Spread(Spec(peers: [.. Peers().Select(p => p with { Rtt = null })]), RemoteClosest4, 4);
        Assert.Equal(4, hits[IPAddress.Parse(R0Inst4)]); // Munich
    }

    [Fact]
    public void Haversine_gives_the_known_munich_berlin_distance()
        => Assert.InRange(Geo.HaversineKm(Lab.Munich, Lab.Berlin), 500, 510);

    [Fact]
    public void Every_policy_id_has_a_policy()
    {
        foreach (var id in Enum.GetValues<BalancingPolicyId>()) Assert.Equal(id, BalancingPolicies.Get(id).Id);
    }
}
