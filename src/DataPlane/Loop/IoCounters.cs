namespace Oakestra.Actors.DataPlane.Loop;

/// <summary>
/// Counters of one loop thread. Each instance is written by exactly one thread with plain increments;
/// readers take a <see cref="IoCounterSnapshot"/>, which may lag by a batch but never tears (64-bit fields).
/// </summary>
internal sealed class IoCounters
{
    public long TunPacketsIn, TunPacketsOut, TunnelDatagramsIn, TunnelPacketsIn, TunnelDatagramsOut;
    public long ProcessorDrops, ProcessorQueued, ProcessorEmits, Batches, ProcessorPolls;
    public long TunReadErrors, TunRunts, TunWriteErrors, TunTruncated;
    public long TunnelReceiveErrors, TunnelUnknownPeer, TunnelBadHeader, TunnelSendErrors, TunnelSendWouldBlock;
    public long TunnelAuthFailed, TunnelReplayed, TunnelNoKey;
    public long TunnelSegmentedSends, TunnelSegmentFallbacks, TunnelCoalescedReceives, TunCoalescedWrites, TunCoalescedSegments;
    public long NoTunnel, BadPeerIndex, GsoMalformed, GsoSegmented, UnknownDisposition;
    public long ProbesSent, ProbesAnswered, ProbeRepliesReceived;

    public void AddTo(ref IoCounterSnapshot s)
    {
        s.TunPacketsIn += Volatile.Read(ref TunPacketsIn);
        s.TunPacketsOut += Volatile.Read(ref TunPacketsOut);
        s.TunnelDatagramsIn += Volatile.Read(ref TunnelDatagramsIn);
        s.TunnelPacketsIn += Volatile.Read(ref TunnelPacketsIn);
        s.TunnelDatagramsOut += Volatile.Read(ref TunnelDatagramsOut);
        s.ProcessorDrops += Volatile.Read(ref ProcessorDrops);
        s.ProcessorQueued += Volatile.Read(ref ProcessorQueued);
        s.ProcessorEmits += Volatile.Read(ref ProcessorEmits);
        s.Batches += Volatile.Read(ref Batches);
        s.ProcessorPolls += Volatile.Read(ref ProcessorPolls);
        s.TunReadErrors += Volatile.Read(ref TunReadErrors);
        s.TunRunts += Volatile.Read(ref TunRunts);
        s.TunWriteErrors += Volatile.Read(ref TunWriteErrors);
        s.TunTruncated += Volatile.Read(ref TunTruncated);
        s.TunnelReceiveErrors += Volatile.Read(ref TunnelReceiveErrors);
        s.TunnelUnknownPeer += Volatile.Read(ref TunnelUnknownPeer);
        s.TunnelBadHeader += Volatile.Read(ref TunnelBadHeader);
        s.TunnelAuthFailed += Volatile.Read(ref TunnelAuthFailed);
        s.TunnelReplayed += Volatile.Read(ref TunnelReplayed);
        s.TunnelNoKey += Volatile.Read(ref TunnelNoKey);
        s.TunnelSendErrors += Volatile.Read(ref TunnelSendErrors);
        s.TunnelSendWouldBlock += Volatile.Read(ref TunnelSendWouldBlock);
        s.TunnelSegmentedSends += Volatile.Read(ref TunnelSegmentedSends);
        s.TunnelSegmentFallbacks += Volatile.Read(ref TunnelSegmentFallbacks);
        s.TunnelCoalescedReceives += Volatile.Read(ref TunnelCoalescedReceives);
        s.TunCoalescedWrites += Volatile.Read(ref TunCoalescedWrites);
        s.TunCoalescedSegments += Volatile.Read(ref TunCoalescedSegments);
        s.NoTunnel += Volatile.Read(ref NoTunnel);
        s.BadPeerIndex += Volatile.Read(ref BadPeerIndex);
        s.GsoMalformed += Volatile.Read(ref GsoMalformed);
        s.GsoSegmented += Volatile.Read(ref GsoSegmented);
        s.UnknownDisposition += Volatile.Read(ref UnknownDisposition);
        s.ProbesSent += Volatile.Read(ref ProbesSent);
        s.ProbesAnswered += Volatile.Read(ref ProbesAnswered);
        s.ProbeRepliesReceived += Volatile.Read(ref ProbeRepliesReceived);
    }
}

/// <summary>I/O counters of a forwarding loop, summed over its threads. Drop reasons end in the I/O side; the processor counts its own.</summary>
public record struct IoCounterSnapshot
{
    /// <summary>Packets read from the TUN.</summary>
    public long TunPacketsIn { get; set; }
    /// <summary>Packets written to the TUN.</summary>
    public long TunPacketsOut { get; set; }
    /// <summary>Datagrams received on the tunnel socket (before any check; a coalesced run counts each of its datagrams).</summary>
    public long TunnelDatagramsIn { get; set; }
    /// <summary>Data packets from known peers handed to the processor.</summary>
    public long TunnelPacketsIn { get; set; }
    /// <summary>Datagrams the kernel accepted for sending (data segments and probes).</summary>
    public long TunnelDatagramsOut { get; set; }
    public long ProcessorDrops { get; set; }
    public long ProcessorQueued { get; set; }
    /// <summary>Packets the processor emitted from its queue in Poll.</summary>
    public long ProcessorEmits { get; set; }
    public long Batches { get; set; }
    public long ProcessorPolls { get; set; }

    // Drops and errors on the I/O side.
    public long TunReadErrors { get; set; }
    /// <summary>Reads shorter than the virtio header or empty.</summary>
    public long TunRunts { get; set; }
    public long TunWriteErrors { get; set; }
    /// <summary>Reads that filled the whole slot (packet possibly cut): dropped.</summary>
    public long TunTruncated { get; set; }
    public long TunnelReceiveErrors { get; set; }
    /// <summary>Datagrams from an endpoint not in the published peer list: dropped.</summary>
    public long TunnelUnknownPeer { get; set; }
    /// <summary>Datagrams with a wrong version, unknown type or too short: dropped.</summary>
    public long TunnelBadHeader { get; set; }
    /// <summary>With security on: datagrams from a peer that did not open under its key (forged, tampered, another start's keys, unsealed, or the peer's key not known yet).</summary>
    public long TunnelAuthFailed { get; set; }
    /// <summary>With security on: datagrams whose counter the replay window had seen or left behind.</summary>
    public long TunnelReplayed { get; set; }
    /// <summary>With security on: datagrams not sent because the peer's public key has not arrived from the control plane.</summary>
    public long TunnelNoKey { get; set; }
    public long TunnelSendErrors { get; set; }
    /// <summary>Datagrams dropped because the socket send buffer stayed full.</summary>
    public long TunnelSendWouldBlock { get; set; }
    /// <summary>Sends that carried several datagrams to one peer with UDP_SEGMENT (UDP GSO), each counted in <see cref="TunnelDatagramsOut"/>.</summary>
    public long TunnelSegmentedSends { get; set; }
    /// <summary>Segmented sends the kernel refused (EIO/EINVAL) and that went out datagram by datagram; later runs are not segmented.</summary>
    public long TunnelSegmentFallbacks { get; set; }
    /// <summary>Receives that held a run of datagrams the kernel coalesced (UDP GRO), each counted in <see cref="TunnelDatagramsIn"/>.</summary>
    public long TunnelCoalescedReceives { get; set; }
    /// <summary>TUN writes that carried several tunnel TCP segments merged into one GSO packet.</summary>
    public long TunCoalescedWrites { get; set; }
    /// <summary>Segments those writes carried (each also in <see cref="TunnelPacketsIn"/>).</summary>
    public long TunCoalescedSegments { get; set; }
    /// <summary>ToTunnel with no tunnel configured: dropped.</summary>
    public long NoTunnel { get; set; }
    /// <summary>ToTunnel naming a peer index not present in the current list: dropped.</summary>
    public long BadPeerIndex { get; set; }
    /// <summary>GSO packets that could not be segmented (not TCP, bad headers): dropped.</summary>
    public long GsoMalformed { get; set; }
    /// <summary>GSO packets cut into segments (for the tunnel, or for a TUN without offload).</summary>
    public long GsoSegmented { get; set; }
    public long UnknownDisposition { get; set; }
    public long ProbesSent { get; set; }
    public long ProbesAnswered { get; set; }
    public long ProbeRepliesReceived { get; set; }

    /// <summary>Sum of every I/O-side drop reason.</summary>
    public readonly long IoDrops => TunReadErrors + TunRunts + TunWriteErrors + TunTruncated + TunnelReceiveErrors + TunnelUnknownPeer
        + TunnelBadHeader + TunnelAuthFailed + TunnelReplayed + TunnelNoKey + TunnelSendErrors + TunnelSendWouldBlock + NoTunnel + BadPeerIndex + GsoMalformed + UnknownDisposition;
}
