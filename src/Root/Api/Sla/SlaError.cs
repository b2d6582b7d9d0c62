namespace Oakestra.Actors.Root.Api.Sla;

/// <summary>One broken rule of an SLA document: <see cref="Field"/> is a JSON path such as
/// <c>applications[0].microservices[1].microservice_name</c>, null when the document itself is not JSON.</summary>
public sealed record SlaError(string? Field, string Rule, string Message);

/// <summary>Either the validated services of a document or every rule it breaks (never both).</summary>
public sealed record SlaResult(IReadOnlyList<ServiceSpec> Services, IReadOnlyList<SlaError> Errors)
{
    public bool Ok => Errors.Count == 0;

    /// <summary>Every application of the document, also one with no microservices (oak-cli's blank application).</summary>
    public IReadOnlyList<SlaApplication> Applications { get; init; } = [];

    /// <summary>Fields accepted but not acted on, in document order.</summary>
    public IReadOnlyList<IgnoredField> Ignored { get; init; } = [];
}

/// <summary>One application of a document and the ids of the services its microservices became.</summary>
public sealed record SlaApplication(string Name, string Namespace, string Path, IReadOnlyList<string> ServiceIds);
