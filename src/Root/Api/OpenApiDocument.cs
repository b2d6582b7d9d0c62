using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Oakestra.Actors.Root.Api;

/// <summary>
/// The API described by itself: <c>/openapi/v1.json</c> generated from the endpoints (Microsoft.AspNetCore.OpenApi),
/// and an interactive page at <c>/scalar</c> (Scalar, its script served from the package: nothing is fetched from
/// the internet). Both are open like <c>/api/v1/health</c>: they describe the API and hold no data; every call made
/// from the page needs the bearer token, as any other.
/// </summary>
public static class OpenApiDocument
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/scalar";

    public static IServiceCollection AddRootOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Oakestra.Actors root API",
                Version = "v1",
                Description = "Services get one Service IP per balancing policy, instances an Instance IP that survives migration. " +
                              "Every endpoint except /api/v1/health needs 'Authorization: Bearer <token>' (the root logs where its token file is).",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "the root's API token (Oak:Api:Token, or the token file the root creates in its data dir)",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        }));

    public static WebApplication MapRootOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(PagePath, o => o.WithTitle("Oakestra.Actors root API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }

    /// <summary>What a request without a token may read: the document and the page (with its script).</summary>
    public static bool IsOpen(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && (string.Equals(request.Path.Value, DocumentPath, StringComparison.Ordinal)
            || request.Path.StartsWithSegments(PagePath, StringComparison.Ordinal));
}
