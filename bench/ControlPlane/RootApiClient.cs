using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>A service as the bench needs it: its id, its Round Robin IPv4 and its instances' ids.</summary>
public sealed record BenchService(string Id, string RoundRobinV4);

/// <summary>The root's HTTP API (docs/API.md), as a user's client calls it.</summary>
public sealed class RootApiClient(string baseUrl, string token) : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(120),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    public async Task<bool> HealthyAsync(CancellationToken ct)
    {
        try { return (await _http.GetAsync("/api/v1/health", ct)).IsSuccessStatusCode; }
        catch (HttpRequestException) { return false; }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested) { return false; }
    }

    /// <summary>One SLA document of one application holding these microservices (process virtualization, never run: workers are inert).</summary>
    public async Task<IReadOnlyList<BenchService>> CreateServicesAsync(string application, IReadOnlyList<string> names, CancellationToken ct)
    {
        var sla = new JsonObject
        {
            ["sla_version"] = "v2.0",
            ["customerID"] = "bench",
            ["applications"] = new JsonArray(new JsonObject
            {
                ["application_name"] = application,
                ["application_namespace"] = "bench",
                ["microservices"] = new JsonArray(names.Select(n => (JsonNode)new JsonObject
                {
                    ["microservice_name"] = n,
                    ["microservice_namespace"] = "bench",
                    ["virtualization"] = "process",
                    ["code"] = "sleep infinity",
                }).ToArray()),
            }),
        };
        var doc = await SendAsync(HttpMethod.Post, "/api/v1/applications", sla, ct);
        return doc["services"]!.AsArray().Select(s => new BenchService(
            s!["id"]!.GetValue<string>(),
            s["service_ips"]!.AsArray().First(ip => ip!["policy"]!.GetValue<string>() == "round_robin")!["ipv4"]!.GetValue<string>())).ToArray();
    }

    /// <summary>How many requests were sent again after a 503/504 (the root's asks timed out under load).</summary>
    public int Retries => _retries;
    private int _retries;

    /// <summary>
    /// POST /services/{id}/instances: the ids of the instances created. A 503 or 504 (an ask inside the root timed out:
    /// seen when the address pools' single writer had a long queue) is sent again with the same Idempotency-Key, as a
    /// client should, so nothing is created twice.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeployAsync(string serviceId, int count, CancellationToken ct)
    {
        var key = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var doc = await SendAsync(HttpMethod.Post, $"/api/v1/services/{serviceId}/instances", new JsonObject { ["count"] = count }, ct, key);
                return doc.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToArray();
            }
            catch (HttpRequestException e) when (attempt < 10 && e.StatusCode is System.Net.HttpStatusCode.ServiceUnavailable or System.Net.HttpStatusCode.GatewayTimeout)
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
            }
        }
    }

    /// <summary>GET /nodes: (site, node, status, has subnets) of every node the root knows.</summary>
    public async Task<IReadOnlyList<(string Site, string Node, string Status, bool Subnets)>> NodesAsync(CancellationToken ct)
    {
        var doc = await SendAsync(HttpMethod.Get, "/api/v1/nodes", null, ct);
        return doc.AsArray().Select(n => (
            n!["cluster"]!.GetValue<string>(), n["node"]!.GetValue<string>(), n["status"]!.GetValue<string>(),
            n["subnet_v4"] is JsonValue v && v.GetValue<string>() is { Length: > 0 })).ToArray();
    }

    /// <summary>GET /sites: (site, link) of every site.</summary>
    public async Task<IReadOnlyList<(string Site, string Link)>> SitesAsync(CancellationToken ct)
    {
        var doc = await SendAsync(HttpMethod.Get, "/api/v1/sites", null, ct);
        return doc.AsArray().Select(s => (s!["site"]!.GetValue<string>(), s["link"]!.GetValue<string>())).ToArray();
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}", null, response.StatusCode);
        return JsonNode.Parse(text) ?? throw new JsonException($"{method} {path}: empty answer");
    }

    public void Dispose() => _http.Dispose();
}
