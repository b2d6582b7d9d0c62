namespace Oakestra.Actors.Root.Api.Trust;

/// <summary>
/// What every request must pass before it reaches an endpoint (host filtering runs before, see
/// <see cref="AllowedHosts"/>): a valid bearer token except for <c>/api/v1/health</c> (and its /live, /ready) and the
/// API's own description (<see cref="OpenApiDocument"/>), a body no larger than
/// Oak:Api:MaxBodyBytes (judged by Content-Length before a byte is read; Kestrel's own limit stops a chunked one),
/// and a JSON Content-Type on any body. The last closes the no-preflight door: a browser page may POST
/// <c>text/plain</c> to any address without asking, but never <c>application/json</c> nor an Authorization header.
/// </summary>
public static class RequestGuard
{
    public const string HealthPath = "/api/v1/health";

    public static IApplicationBuilder UseRequestGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var settings = context.RequestServices.GetRequiredService<ApiSettings>();
        if (!IsHealth(request) && !OpenApiDocument.IsOpen(request) && Unauthorized(request, context.RequestServices.GetRequiredService<ApiToken>()) is { } why)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"oakestra\"";
            await Write(context, 401, new ApiError(why, "Authorization", "token"));
            return;
        }
        if (request.ContentLength > settings.MaxBodyBytes)
        {
            await Write(context, 413, TooLarge(settings));
            return;
        }
        if (HasBody(request) && !request.HasJsonContentType())
        {
            await Write(context, 415, new ApiError(
                $"the body must be JSON (Content-Type: application/json), not {request.ContentType ?? "undeclared"}", "Content-Type", "json_content_type"));
            return;
        }
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413 && !context.Response.HasStarted)
        {
            await Write(context, 413, TooLarge(settings)); // a chunked body that outgrew the limit while being read
        }
    });

    /// <summary><c>/api/v1/health</c> and its <c>/live</c> and <c>/ready</c>.</summary>
    private static bool IsHealth(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.Path.Value?.TrimEnd('/') is { } path
        && (string.Equals(path, HealthPath, StringComparison.OrdinalIgnoreCase)
            || string.Equals(path, HealthPath + "/live", StringComparison.OrdinalIgnoreCase)
            || string.Equals(path, HealthPath + "/ready", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Null when the request carries the token; else what is wrong, said so a user knows what to send (without
    /// quotes or angle brackets, which the API's JSON would show as \u0027 and \u003C).
    /// </summary>
    private static string? Unauthorized(HttpRequest request, ApiToken token)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (string.IsNullOrEmpty(header))
            return "no API token: send the header Authorization: Bearer TOKEN (oak: --token, OAK_TOKEN or token = in ~/.config/oak/config); the root logs where its token file is";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || !token.Matches(header[scheme.Length..].Trim()))
            return "the API token was not accepted: send the header Authorization: Bearer TOKEN with this root's token; the root logs where its token file is";
        return null;
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0 || !string.IsNullOrEmpty(request.ContentType);

    private static ApiError TooLarge(ApiSettings settings) =>
        new($"the body is larger than {settings.MaxBodyBytes} bytes (Oak:Api:MaxBodyBytes)", "$", "max_body_bytes");

    private static async Task Write(HttpContext context, int status, ApiError error)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(error, RootApi.Json);
    }
}
