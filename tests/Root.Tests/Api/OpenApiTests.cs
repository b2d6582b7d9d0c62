using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>The API's description is the API: every endpoint the root maps is in /openapi/v1.json, and it is readable without a token.</summary>
[Collection(RootProcessCollection.Name)]
public sealed class OpenApiTests
{
    [Fact]
    public async Task Every_api_endpoint_the_root_maps_is_in_the_openapi_document_which_needs_no_token()
    {
        await using var root = await RootProcess.StartAsync();
        using var anonymous = root.Anonymous();
        var response = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", doc.RootElement.GetProperty("openapi").GetString());
        Assert.True(doc.RootElement.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
        var paths = doc.RootElement.GetProperty("paths");

        // What the root really serves, read from its routing: nothing hand-listed here.
        var mapped = root.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: e.RoutePattern.RawText!, Method: m.ToLowerInvariant())))
            .ToList();
        Assert.True(mapped.Count >= 15, $"only {mapped.Count} endpoints found");
        var missing = mapped.Where(m => !paths.TryGetProperty(m.Path, out var item) || !item.TryGetProperty(m.Method, out _))
            .Select(m => $"{m.Method.ToUpperInvariant()} {m.Path}").ToList();
        Assert.True(missing.Count == 0, $"endpoints missing from /openapi/v1.json: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task The_interactive_page_loads_without_a_token_and_the_api_behind_it_still_needs_one()
    {
        await using var root = await RootProcess.StartAsync();
        using var anonymous = root.Anonymous();
        var page = await anonymous.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(html.Contains("openapi/v1.json") && html.Contains("scalar.js"), html);
        // Its script comes from the root itself (no CDN is reachable from an edge site), also without a token.
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"([^\"]*scalar\\.js)\"").Groups[1].Value;
        Assert.NotEqual("", script);
        var js = await anonymous.GetAsync(new Uri(new Uri(root.BaseAddress, "/scalar/"), script));
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.True((await js.Content.ReadAsByteArrayAsync()).Length > 100_000);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/services")).StatusCode);
    }
}
