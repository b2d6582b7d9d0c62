namespace Oakestra.Actors.Root.Entities.Services;

/// <summary>
/// A request's <c>Idempotency-Key</c> as the claimant of a service id reservation: a keyed request is the same
/// claimant every time it is sent, an unkeyed one is a new claimant each time.
/// </summary>
public static class RequestKeys
{
    private const string Prefix = "key:";

    public static string Claimant(string? requestKey) => requestKey is null ? Guid.NewGuid().ToString("N") : Prefix + requestKey;

    /// <summary>The key behind a claimant, null for an unkeyed one.</summary>
    public static string? KeyOf(string? claimant) =>
        claimant is not null && claimant.StartsWith(Prefix, StringComparison.Ordinal) ? claimant[Prefix.Length..] : null;
}
