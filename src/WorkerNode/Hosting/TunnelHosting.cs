using Microsoft.Extensions.Configuration;
using Oakestra.Actors.DataPlane.Tunnel;
using Oakestra.Actors.WorkerNode.Actors;

namespace Oakestra.Actors.WorkerNode.Hosting;

/// <summary>Oak:Tunnel:* and the node's tunnel identity (key file in its state dir, a fresh salt per process start).</summary>
public static class TunnelHosting
{
    /// <summary>Oak:Tunnel:Security: <c>aead</c> (default) or <c>none</c>; anything else stops the start rather than run unsealed by a typo.</summary>
    public static TunnelSecurity SecurityFrom(IConfiguration configuration) => configuration["Oak:Tunnel:Security"]?.Trim().ToLowerInvariant() switch
    {
        null or "" or "aead" => TunnelSecurity.Aead,
        "none" => TunnelSecurity.None,
        var other => throw new InvalidOperationException($"Oak:Tunnel:Security must be 'aead' or 'none', not '{other}'"),
    };

    /// <summary>The key pair from <c>&lt;state dir&gt;/tunnel.key</c> (made 0600 at first start) and a salt for this start.</summary>
    public static TunnelIdentity IdentityFrom(string stateDir) => new(NodeKeyPair.LoadOrCreate(stateDir));

    /// <summary>The settings with what the worker registers for its peers to derive the pair keys.</summary>
    public static WorkerSettings WithTunnel(this WorkerSettings settings, TunnelIdentity identity) => settings with
    {
        TunnelPublicKey = Convert.ToBase64String(identity.PublicKey),
        TunnelSalt = Convert.ToBase64String(identity.Salt),
    };
}
