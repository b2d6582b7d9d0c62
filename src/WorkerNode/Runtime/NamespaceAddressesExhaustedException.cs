namespace Oakestra.Actors.WorkerNode.Runtime;

public sealed class NamespaceAddressesExhaustedException(string subnet)
    : Exception($"No free Namespace IP left in node subnet {subnet}");
