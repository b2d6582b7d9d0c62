namespace Oakestra.Actors.Root.Api;

/// <summary>
/// GET /api/v1/instances/{id}/logs: the instance's output as text, read chunk by chunk from the worker that runs it
/// (root → orchestrator → worker). <c>tail=N</c> starts with its last N lines, <c>offset=B</c> at byte B, else at
/// the beginning; <c>follow=true</c> keeps polling from the last chunk's end while the instance runs; <c>format=json</c>
/// answers one chunk with its offsets instead (for tools that resume). Errors before the first byte are the API's
/// JSON errors (404 unknown instance or one never placed); a follow whose worker stops answering ends the stream.
/// </summary>
internal static class InstanceLogs
{
    public const int MaxTailLines = 10_000;

    /// <summary>How often a follower asks again when nothing new came: an ask to the instance and one to its worker.</summary>
    public static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(500);

    public static async Task<IResult> StreamAsync(string id, HttpContext http, IControlPlane cp, CancellationToken ct)
    {
        var q = http.Request.Query;
        int? tail = null;
        if (q.TryGetValue("tail", out var t) && !string.IsNullOrEmpty(t))
        {
            if (!int.TryParse(t, out var n) || n is < 0 or > MaxTailLines)
                return RootApi.Error(400, new ApiError($"tail must be a whole number 0-{MaxTailLines}", "tail", "range"));
            tail = n;
        }
        long offset = 0;
        if (q.TryGetValue("offset", out var o) && !string.IsNullOrEmpty(o) && (!long.TryParse(o, out offset) || offset < 0))
            return RootApi.Error(400, new ApiError("offset must be a whole number of bytes, 0 or more", "offset", "range"));
        var follow = q.TryGetValue("follow", out var f) && f.ToString() is "true" or "1";
        var json = q.TryGetValue("format", out var fmt) && fmt.ToString() == "json";

        var first = await cp.ReadInstanceLogAsync(id, offset, tail, ct);
        if (!first.Ok) return RootApi.Error(first.Error!);
        if (json) return RootApi.Answer(first);

        var response = http.Response;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        var chunk = first.Value!;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (chunk.Text.Length > 0)
                {
                    await response.WriteAsync(chunk.Text, ct);
                    await response.Body.FlushAsync(ct);
                }
                var more = chunk.NextOffset < chunk.Length;
                if (!more && (!follow || !chunk.Running)) break;
                if (!more) await Task.Delay(FollowInterval, ct);
                var next = await cp.ReadInstanceLogAsync(id, chunk.NextOffset, null, ct);
                if (!next.Ok) break;
                // Placed again elsewhere: that worker's log is another file, read from its beginning.
                if (next.Value!.Site != chunk.Site || next.Value.Node != chunk.Node)
                    next = await cp.ReadInstanceLogAsync(id, 0, null, ct);
                if (!next.Ok) break;
                chunk = next.Value!;
            }
        }
        catch (OperationCanceledException) { /* the client went away */ }
        return Results.Empty;
    }
}
