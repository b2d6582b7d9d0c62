using System.Text.Json;
using System.Text.Json.Nodes;
using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Commands;

/// <summary>
/// `oak deploy`: creates the SLA's services, then starts instances. A microservice with direct constraints
/// gets one instance on each constrained node (so an SLA can say "one on w1, one on w2, one on w3");
/// without one it gets one instance wherever the orchestrators place it.
/// </summary>
public static class Deployer
{
    public static async Task<IReadOnlyList<Service>> DeployAsync(RootClient root, string slaJson, CancellationToken ct) =>
        (await DeployWithIgnoredAsync(root, slaJson, ct)).Services;

    /// <summary>The deployed services and the SLA fields the root accepted but does not act on.</summary>
    /// <param name="idempotencyKey">The key of the whole deployment: the SLA's POST carries it, each instance request a key
    /// derived from it, so running the same deployment again with the same key (after the CLI or the root died halfway)
    /// finishes it instead of doing anything twice. Null: a new key for this run.</param>
    public static async Task<(IReadOnlyList<Service> Services, IReadOnlyList<IgnoredField> Ignored)> DeployWithIgnoredAsync(
        RootClient root, string slaJson, CancellationToken ct, string? idempotencyKey = null)
    {
        var key = idempotencyKey ?? Guid.NewGuid().ToString("N");
        var placements = DirectNodes(slaJson);
        var created = RootClient.Read<CreatedServices>(await root.PostRawAsync("api/v1/applications", slaJson, ct, key), "POST /api/v1/applications");
        var result = new List<Service>();
        foreach (var service in created.Services)
        {
            var nodes = placements.TryGetValue(service.Id, out var n) && n.Count > 0 ? n : [null];
            for (var i = 0; i < nodes.Count; i++)
                await root.PostAsync($"api/v1/services/{RootClient.Escape(service.Id)}/instances", new { count = 1, node = nodes[i] }, InstanceKey(key, service.Id, i), ct);
            result.Add(await root.GetAsync<Service>($"api/v1/services/{RootClient.Escape(service.Id)}", ct));
        }
        return (result, created.IgnoredFields ?? []);
    }

    /// <summary>The longest deployment key: its derived instance keys stay within the root's 128 characters.</summary>
    public const int MaxKeyLength = 96;

    /// <summary>The key of the <paramref name="index"/>th instance request of <paramref name="serviceId"/> (service ids can be long: hashed).</summary>
    public static string InstanceKey(string deploymentKey, string serviceId, int index) =>
        $"{deploymentKey}.{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(serviceId)))[..16].ToLowerInvariant()}.{index}";

    /// <summary>Service id → nodes named by its <c>{"type":"direct","node":…}</c> constraints, in SLA order. A constraint
    /// naming several nodes (<c>"w1;w2"</c>, Oakestra's "any of them") adds one instance the root places on one of them.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string?>> DirectNodes(string slaJson)
    {
        JsonNode? sla;
        try { sla = JsonNode.Parse(slaJson); }
        catch (JsonException e) { throw new CliFailure($"the SLA is not valid JSON: {e.Message}"); }
        var map = new Dictionary<string, IReadOnlyList<string?>>(StringComparer.Ordinal);
        foreach (var app in (sla?["applications"] as JsonArray ?? []).OfType<JsonObject>())
            foreach (var ms in (app["microservices"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var id = $"{Str(app["application_name"])}.{Str(app["application_namespace"])}.{Str(ms["microservice_name"])}.{Str(ms["microservice_namespace"])}";
                var nodes = (ms["constraints"] as JsonArray ?? []).OfType<JsonObject>()
                    .Where(c => string.Equals(Str(c["type"]), "direct", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(Str(c["node"])))
                    .Select(c => Str(c["node"]).Contains(';') ? null : (string?)Str(c["node"])).ToList();
                map[id] = nodes;
            }
        return map;
    }

    private static string Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
}
