using System.Net;
using Oakestra.Actors.DataPlane.Addressing;

namespace Oakestra.Actors.DataPlane.Misses;

/// <summary>An address the loop had no route for (a destination Service IP or Instance IP from the TUN, a source Instance IP from the tunnel), reported once while packets wait for it.</summary>
/// <param name="Key">The address as an <see cref="IpKey"/> key.</param>
/// <param name="SnapshotVersion">Version of the snapshot that lacked it: an answer must come in a newer one.</param>
public readonly record struct MissReport(UInt128 Key, long SnapshotVersion)
{
    public IPAddress Address => IpKey.ToAddress(Key);
    public bool IsIPv6 => !IpKey.IsV4(Key);
}
