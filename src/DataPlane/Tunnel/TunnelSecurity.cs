namespace Oakestra.Actors.DataPlane.Tunnel;

/// <summary>How tunnel datagrams are protected (<c>Oak:Tunnel:Security</c>).</summary>
public enum TunnelSecurity
{
    /// <summary>Every datagram sealed with the pair's keys; unsealed, forged and replayed ones are dropped and counted.</summary>
    Aead,
    /// <summary>Plain datagrams, trusted by sender address alone: for benchmarks, never for a deployment.</summary>
    None,
}
