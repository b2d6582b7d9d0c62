using System.Text.Json;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.DataPlane.Loop;
using Oakestra.Actors.DataPlane.Translation;
using TranslatorCounters = Oakestra.Actors.DataPlane.Translation.DataPlaneCounters;

namespace Oakestra.Actors.WorkerNode.Adapters;

/// <summary>
/// The forwarding data plane's counters as `oak table` shows them: the translator's counters (flows, misses,
/// its drop reasons) and the loop's I/O counters (packets in/out, the I/O-side drop reasons), by snake_case name.
/// </summary>
public static class ForwardingCounters
{
    // The I/O side's drop reasons: exactly the terms of IoCounterSnapshot.IoDrops, so the total adds up.
    private static readonly (string Name, Func<IoCounterSnapshot, long> Read)[] IoDropReasons =
    [
        ("tun_read_errors", s => s.TunReadErrors),
        ("tun_runts", s => s.TunRunts),
        ("tun_write_errors", s => s.TunWriteErrors),
        ("tun_truncated", s => s.TunTruncated),
        ("tunnel_receive_errors", s => s.TunnelReceiveErrors),
        ("tunnel_unknown_peer", s => s.TunnelUnknownPeer),
        ("tunnel_bad_header", s => s.TunnelBadHeader),
        ("tunnel_auth_failed", s => s.TunnelAuthFailed),
        ("tunnel_replayed", s => s.TunnelReplayed),
        ("tunnel_no_key", s => s.TunnelNoKey),
        ("tunnel_send_errors", s => s.TunnelSendErrors),
        ("tunnel_send_would_block", s => s.TunnelSendWouldBlock),
        ("no_tunnel", s => s.NoTunnel),
        ("bad_peer_index", s => s.BadPeerIndex),
        ("gso_malformed", s => s.GsoMalformed),
        ("unknown_disposition", s => s.UnknownDisposition),
    ];

    public static NodeCounters Read(TranslatorCounters translator, IoCounterSnapshot io, long flows, long waitingDestinations)
    {
        var drops = new Dictionary<string, long>();
        var all = new Dictionary<string, long>();
        foreach (var c in Enum.GetValues<DataPlaneCounter>())
        {
            var name = Snake(c.ToString());
            all[name] = translator[c];
            if (name.StartsWith("drop_", StringComparison.Ordinal)) drops[name["drop_".Length..]] = translator[c];
        }
        foreach (var (name, read) in IoDropReasons) drops[name] = read(io);
        foreach (var prop in typeof(IoCounterSnapshot).GetProperties())
            if (prop.PropertyType == typeof(long) && prop.CanWrite) all["io_" + Snake(prop.Name)] = (long)prop.GetValue(io)!; // not the computed sums
        all["flows"] = flows;
        all["miss_destinations_waiting"] = waitingDestinations;

        return new NodeCounters(
            Source: "forwarding",
            FlowsActive: flows,
            PacketsTranslated: translator[DataPlaneCounter.OutToTunnel] + translator[DataPlaneCounter.InToTun],
            PacketsIn: io.TunPacketsIn + io.TunnelPacketsIn,
            PacketsOut: io.TunPacketsOut + io.TunnelDatagramsOut,
            TunnelPacketsIn: io.TunnelPacketsIn,
            TunnelDatagramsOut: io.TunnelDatagramsOut,
            MissesQueued: translator[DataPlaneCounter.MissQueued],
            MissesReported: translator[DataPlaneCounter.MissReported],
            MissesExpired: translator[DataPlaneCounter.DropMissExpired],
            MissesWaiting: waitingDestinations,
            DroppedTotal: translator.TotalDropped + io.IoDrops,
            Drops: drops,
            All: all);
    }

    private static string Snake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
