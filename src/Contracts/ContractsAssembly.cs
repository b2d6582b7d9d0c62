namespace Oakestra.Actors.Contracts;

/// <summary>Anchor type so the assembly can be located by reflection.</summary>
public static class ContractsAssembly;
