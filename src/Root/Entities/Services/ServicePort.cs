namespace Oakestra.Actors.Root.Entities.Services;

/// <summary>
/// One of the SLA's <c>port</c> mappings as Oakestra's NodeEngine reads them (<c>"80"</c>, <c>"8080:80"</c>,
/// <c>"8080:80/udp"</c>, several joined by <c>;</c>): the node's port first, the instance's (the one it listens on)
/// second; a single number is both. Only <see cref="InstancePort"/> of the first TCP mapping is used here, as the
/// readiness check; the node side is not published (instances are reached on their Service and Instance IPs).
/// </summary>
public sealed record ServicePort(int HostPort, int InstancePort, string Protocol)
{
    public const string Tcp = "tcp";
    public const string Udp = "udp";

    public override string ToString() => HostPort == InstancePort ? $"{InstancePort}/{Protocol}" : $"{HostPort}:{InstancePort}/{Protocol}";
}
