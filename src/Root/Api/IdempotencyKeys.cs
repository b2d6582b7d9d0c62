namespace Oakestra.Actors.Root.Api;

/// <summary>
/// The <c>Idempotency-Key</c> header of a POST: the same key sent again (a client retrying after a timeout, or
/// after the root crashed) gets the same outcome and nothing is done twice. The entities remember which keyed
/// request created a service or added instances (in their journal, so it survives a restart); this class only
/// runs two requests with the same key one after the other, so the second finds the first's result.
/// </summary>
public sealed class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 128;

    // Striped: requests whose keys share a stripe wait for each other, which costs little and needs no cleanup.
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>The request's key, or null without one; an unusable one is an error naming the header.</summary>
    public static (string? Key, ApiError? Error) Of(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Header, out var values) || values.Count == 0) return (null, null);
        var key = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(key) || key.Length > MaxLength || key.Any(c => c is < '!' or > '~'))
            return (null, new ApiError($"{Header} must be one value of 1-{MaxLength} visible ASCII characters", Header, "format"));
        return (key, null);
    }

    /// <summary>Runs <paramref name="work"/> once no other request with <paramref name="key"/> (in <paramref name="scope"/>) runs.</summary>
    public async Task<T> OneAtATimeAsync<T>(string scope, string? key, Func<Task<T>> work, CancellationToken ct)
    {
        if (key is null) return await work();
        var gate = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode($"{scope}\n{key}") % (uint)_stripes.Length)];
        await gate.WaitAsync(ct);
        try { return await work(); }
        finally { gate.Release(); }
    }
}
