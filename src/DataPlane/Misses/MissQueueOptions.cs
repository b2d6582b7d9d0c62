namespace Oakestra.Actors.DataPlane.Misses;

/// <summary>Bounds of the queue where packets wait for a route.</summary>
/// <param name="Destinations">Destinations that may wait at once; a miss beyond them drops (DropMissQueueFull).</param>
/// <param name="PacketsPerDestination">Packets kept per destination; more are dropped (DropMissQueueFull).</param>
/// <param name="Buffers">Packet buffers shared by all destinations.</param>
/// <param name="MaxPacketBytes">Larger packets are not queued (DropMissTooLarge).</param>
/// <param name="Timeout">How long a packet may wait before it is dropped (DropMissExpired).</param>
/// <param name="ReportCapacity">Miss reports not yet read by the owner; when full, reports are retried on later polls.</param>
public sealed record MissQueueOptions(
    int Destinations,
    int PacketsPerDestination,
    int Buffers,
    int MaxPacketBytes,
    TimeSpan Timeout,
    int ReportCapacity)
{
    public static readonly MissQueueOptions Default = new(64, 8, 256, 2048, TimeSpan.FromSeconds(2), 256);
}
