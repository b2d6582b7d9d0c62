using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Oakestra.Actors.Contracts.Hosting.Health;
using Oakestra.Actors.Root.Api.Sla;
using Oakestra.Actors.Root.Api.Trust;

namespace Oakestra.Actors.Root.Api;

/// <summary>The HTTP endpoints of docs/API.md over <see cref="IControlPlane"/>. Bodies are read by hand so every
/// malformed input is a 400 that names its field.</summary>
public static class RootApi
{
    public const int MaxCount = 1000;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static IEndpointRouteBuilder MapRootApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        // Open without a token (RequestGuard): readiness (ActorSystem, cluster membership, journal) with each check; 503 when one fails.
        api.MapGet("/health", (HttpContext c, HealthCheckService health) => RootHealth(c, health, OakHealth.Ready));
        api.MapGet("/health/ready", (HttpContext c, HealthCheckService health) => RootHealth(c, health, OakHealth.Ready));
        api.MapGet("/health/live", (HttpContext c, HealthCheckService health) => RootHealth(c, health, OakHealth.Live));

        api.MapPost("/applications", async (HttpRequest request, SlaParser parser, IControlPlane cp, IdempotencyKeys keys, CancellationToken ct) =>
        {
            var (key, keyError) = IdempotencyKeys.Of(request);
            if (keyError is not null) return Error(400, keyError);
            var body = await new StreamReader(request.Body).ReadToEndAsync(ct);
            var sla = parser.Parse(body);
            if (!sla.Ok)
            {
                var first = sla.Errors[0];
                return Error(400, new ApiError(first.Message, first.Field, first.Rule));
            }
            var created = await keys.OneAtATimeAsync("applications", key, () => cp.CreateServicesAsync(sla.Services, key, ct), ct);
            if (!created.Ok) return Error(created.Error!);
            var answer = new DeployView(created.Value!,
                sla.Applications.Select(a => new ApplicationView(a.Name, a.Namespace, a.ServiceIds)).ToArray(),
                sla.Ignored.Select(i => new IgnoredFieldView(i.Field, i.Reason)).ToArray());
            return Results.Json(answer, Json, statusCode: 201);
        });

        api.MapGet("/services", async (IControlPlane cp, CancellationToken ct) => Results.Json(await cp.ListServicesAsync(ct), Json));
        api.MapGet("/services/{id}", async (string id, IControlPlane cp, CancellationToken ct) => Answer(await cp.GetServiceAsync(id, ct)));
        api.MapDelete("/services/{id}", async (string id, IControlPlane cp, CancellationToken ct) => Answer(await cp.DeleteServiceAsync(id, ct)));

        api.MapPost("/services/{id}/instances", async (string id, HttpRequest request, ApiSettings limits, IControlPlane cp, IdempotencyKeys keys, CancellationToken ct) =>
        {
            var (key, keyError) = IdempotencyKeys.Of(request);
            if (keyError is not null) return Error(400, keyError);
            var body = await ReadObject(request, ct);
            if (body.Error is not null) return body.Error;
            var count = Integer(body.Doc!.Value, "count", 1, 1, limits.MaxInstancesPerRequest, out var error);
            if (error is not null) return error;
            var node = OptionalNode(body.Doc!.Value, "node", out error);
            if (error is not null) return error;
            return Answer(await keys.OneAtATimeAsync(id, key, () => cp.DeployInstancesAsync(id, count, node, key, ct), ct), 201);
        });

        api.MapPost("/services/{id}/scale", async (string id, HttpRequest request, ApiSettings limits, IControlPlane cp, CancellationToken ct) =>
        {
            var body = await ReadObject(request, ct);
            if (body.Error is not null) return body.Error;
            var replicas = Integer(body.Doc!.Value, "replicas", null, 0, limits.MaxInstancesPerRequest, out var error);
            if (error is not null) return error;
            var node = OptionalNode(body.Doc!.Value, "node", out error);
            if (error is not null) return error;
            return Answer(await cp.ScaleAsync(id, replicas, node, ct));
        });

        api.MapGet("/instances/{id}", async (string id, IControlPlane cp, CancellationToken ct) => Answer(await cp.GetInstanceAsync(id, ct)));
        api.MapDelete("/instances/{id}", async (string id, IControlPlane cp, CancellationToken ct) => Answer(await cp.UndeployInstanceAsync(id, ct)));

        api.MapGet("/instances/{id}/logs", (string id, HttpContext http, IControlPlane cp, CancellationToken ct) => InstanceLogs.StreamAsync(id, http, cp, ct));

        api.MapPost("/instances/{id}/migrate", async (string id, HttpRequest request, IControlPlane cp, CancellationToken ct) =>
        {
            var body = await ReadObject(request, ct);
            if (body.Error is not null) return body.Error;
            var target = OptionalNode(body.Doc!.Value, "target_node", out var error);
            if (error is not null) return error;
            if (string.IsNullOrWhiteSpace(target))
                return Error(400, new ApiError("target_node is required", "target_node", "required"));
            return Answer(await cp.MigrateAsync(id, target, ct), 202);
        });

        api.MapGet("/addresses/available", async (HttpRequest request, IControlPlane cp, CancellationToken ct) =>
        {
            var q = request.Query;
            var count = 1;
            if (q.TryGetValue("count", out var c) && (!int.TryParse(c, out count) || count is < 1 or > MaxCount))
                return Error(400, new ApiError($"count must be 1-{MaxCount}", "count", "range"));
            var version = 4;
            if (q.TryGetValue("v", out var v) && (!int.TryParse(v, out version) || version is not (4 or 6)))
                return Error(400, new ApiError("v must be 4 or 6", "v", "ip_version"));
            var pool = q.TryGetValue("pool", out var p) && !string.IsNullOrEmpty(p) ? p.ToString() : "round_robin";
            return Answer(await cp.PreviewAddressesAsync(pool, version, count, ct));
        });

        api.MapGet("/addresses/held", async (IControlPlane cp, CancellationToken ct) => Answer(await cp.ListHeldAddressesAsync(ct)));

        api.MapGet("/nodes", async (IControlPlane cp, CancellationToken ct) => Results.Json(await cp.ListNodesAsync(ct), Json));
        api.MapGet("/sites", async (IControlPlane cp, CancellationToken ct) => Results.Json(await cp.ListSitesAsync(ct), Json));

        api.MapPut("/nodes/{node}/location", async (string node, HttpRequest request, IControlPlane cp, CancellationToken ct) =>
        {
            if (BadNode(node) is { } bad) return bad;
            var body = await ReadObject(request, ct);
            if (body.Error is not null) return body.Error;
            var lat = Number(body.Doc!.Value, "latitude", -90, 90, out var error);
            if (error is not null) return error;
            var lon = Number(body.Doc!.Value, "longitude", -180, 180, out error);
            if (error is not null) return error;
            return Answer(await cp.SetNodeLocationAsync(node, lat, lon, ct));
        });

        api.MapPost("/nodes/{node}/drain", async (string node, IControlPlane cp, CancellationToken ct) =>
            BadNode(node) ?? Answer(await cp.DrainNodeAsync(node, ct), 202));
        api.MapPost("/nodes/{node}/uncordon", async (string node, IControlPlane cp, CancellationToken ct) =>
            BadNode(node) ?? Answer(await cp.UncordonNodeAsync(node, ct)));

        api.MapGet("/nodes/{node}/table", async (string node, HttpRequest request, IControlPlane cp, CancellationToken ct) =>
        {
            if (BadNode(node) is { } bad) return bad;
            var site = request.Query.TryGetValue("site", out var s) && !string.IsNullOrEmpty(s) ? s.ToString() : null;
            return Answer(await cp.GetNodeTableAsync(node, site, ct));
        });

        return app;
    }

    private static async Task RootHealth(HttpContext context, HealthCheckService health, string tag) =>
        await OakHealth.WriteAsync(context, await OakHealth.CheckAsync(health, tag, context.RequestAborted), "root");

    /// <summary>503 for list operations whose actors did not answer.</summary>
    public static IApplicationBuilder UseControlPlaneErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (ControlPlaneUnavailableException e) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = 503;
            await context.Response.WriteAsJsonAsync(new ApiError($"control plane not ready: {e.Message}"), Json);
        }
    });

    internal static IResult Answer<T>(ControlResult<T> result, int status = 200) =>
        result.Ok ? Results.Json(result.Value, Json, statusCode: status) : Error(result.Error!);

    internal static IResult Error(ControlError e) => Error(e.Kind switch
    {
        ControlErrorKind.Invalid => 400,
        ControlErrorKind.NotFound => 404,
        ControlErrorKind.Conflict or ControlErrorKind.Exhausted => 409,
        ControlErrorKind.Timeout => 504,
        _ => 503,
    }, new ApiError(e.Message, e.Field, e.Rule));

    internal static IResult Error(int status, ApiError error) => Results.Json(error, Json, statusCode: status);

    private sealed record Body(JsonElement? Doc, IResult? Error);

    private static async Task<Body> ReadObject(HttpRequest request, CancellationToken ct)
    {
        var text = await new StreamReader(request.Body).ReadToEndAsync(ct);
        if (string.IsNullOrWhiteSpace(text)) text = "{}";
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? new Body(doc.RootElement.Clone(), null)
                : new Body(null, Error(400, new ApiError("the body must be a JSON object", "$", "object")));
        }
        catch (JsonException e)
        {
            return new Body(null, Error(400, new ApiError($"the body is not JSON: {e.Message}", null, "json")));
        }
    }

    private static int Integer(JsonElement doc, string name, int? fallback, int min, int max, out IResult? error)
    {
        error = null;
        if (!doc.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (fallback is { } f) return f;
            error = Error(400, new ApiError($"{name} is required", name, "required"));
            return 0;
        }
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < min || n > max)
        {
            error = Error(400, new ApiError($"{name} must be a whole number {min}-{max}", name, "range"));
            return 0;
        }
        return n;
    }

    private static double Number(JsonElement doc, string name, double min, double max, out IResult? error)
    {
        error = null;
        if (!doc.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || d < min || d > max)
        {
            error = Error(400, new ApiError($"{name} must be a number {min}..{max}", name, "range"));
            return 0;
        }
        return d;
    }

    /// <summary>A 400 for a node name no worker can have (<see cref="NodeNames"/>), null for a good one.</summary>
    private static IResult? BadNode(string node) =>
        NodeNames.IsValid(node) ? null : Error(400, new ApiError($"node must be {NodeNames.Rule}", "node", "node_name"));

    private static string? OptionalNode(JsonElement doc, string name, out IResult? error)
    {
        var node = OptionalString(doc, name, out error);
        if (error is null && node is not null && !NodeNames.IsValid(node))
            error = Error(400, new ApiError($"{name} must be {NodeNames.Rule}", name, "node_name"));
        return error is null ? node : null;
    }

    private static string? OptionalString(JsonElement doc, string name, out IResult? error)
    {
        error = null;
        if (!doc.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        error = Error(400, new ApiError($"{name} must be a string", name, "string"));
        return null;
    }
}
