namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>Lifecycle of one start of an instance. Failed and Stopped are terminal: namespace, veth and
/// Namespace IPs are already gone when they are reported.</summary>
public enum InstanceStatus
{
    Starting,
    Running,
    Failed,
    Stopped,
}
