using System.Net;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>Where a started instance lives on this node.</summary>
public sealed record InstanceInfo(
    InstanceLaunch Launch,
    int Slot,
    string NetworkNamespace,
    string HostVeth,
    IPAddress NamespaceIpv4,
    IPAddress NamespaceIpv6,
    string LogPath,
    int ProcessId);
