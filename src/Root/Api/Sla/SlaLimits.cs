namespace Oakestra.Actors.Root.Api.Sla;

/// <summary>
/// How much one document may ask for (Oak:Api:MaxMicroservices, Oak:Api:MaxCodeBytes): every service of a document
/// is created before the answer, and <c>code</c> is kept in every event and view of its service.
/// </summary>
public sealed record SlaLimits(int MaxMicroservices, int MaxCodeBytes)
{
    public static SlaLimits Default { get; } = new(1000, 64 * 1024);
}
