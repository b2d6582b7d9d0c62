namespace Oakestra.Actors.Root.Api.Sla;

/// <summary>One broken rule of an SLA document: <see cref="Field"/> is a JSON path such as
/// <c>applications[0].microservices[1].microservice_name</c>, null when the document itself is not JSON.</summary>
public sealed record SlaError(string? Field, string Rule, string Message);

/// <summary>Either the validated services of a document or every rule it breaks (never both).</summary>
public sealed record SlaResult(IReadOnlyList<ServiceSpec> Services, IReadOnlyList<SlaError> Errors)
{
    public bool Ok => Errors.Count == 0;
}
