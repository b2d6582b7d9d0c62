namespace Oakestra.Actors.DataPlane.Flows;

/// <summary>Size and idle timeouts of the flow table.</summary>
/// <param name="Capacity">Flows kept at most; beyond it the longest-idle flow is evicted.</param>
public sealed record FlowTableOptions(
    int Capacity,
    TimeSpan TcpEstablishedIdle,
    TimeSpan TcpClosingIdle,
    TimeSpan UdpIdle,
    TimeSpan IcmpIdle)
{
    public static readonly FlowTableOptions Default = new(
        Capacity: 32768,
        TcpEstablishedIdle: TimeSpan.FromSeconds(300),
        TcpClosingIdle: TimeSpan.FromSeconds(10),
        UdpIdle: TimeSpan.FromSeconds(30),
        IcmpIdle: TimeSpan.FromSeconds(10));
}
