using System.Net;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>A slot of the node subnet: the same host number in IPv4 and IPv6.</summary>
public sealed record NamespaceAddressLease(int Slot, IPAddress Ipv4, IPAddress Ipv6);
