using System.Net;

namespace Oakestra.Actors.WorkerNode.Runtime.Sandbox;

/// <summary>What an instance may send as, on the bridge port (veth host end) that is its own.</summary>
public sealed record GuardedPort(string Veth, string Mac, IPAddress Ipv4, IPAddress Ipv6);
