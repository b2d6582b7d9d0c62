namespace Oakestra.Actors.DataPlane;

/// <summary>Anchor type so the assembly can be located by reflection.</summary>
public static class DataPlaneAssembly;
