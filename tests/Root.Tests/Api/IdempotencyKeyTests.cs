using System.Net;
using System.Text;
using System.Text.Json;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>
/// A client that got no answer sends its POST again with the same Idempotency-Key (as `oak` does): it gets the
/// outcome of the first send, also after a restart of the root, and nothing is created twice.
/// </summary>
[Collection(RootProcessCollection.Name)]
public sealed class IdempotencyKeyTests
{
    private static async Task<HttpResponseMessage> Post(RootProcess root, string path, string json, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await root.Http.SendAsync(request);
    }

    private static string[] Addresses(JsonElement service) =>
        [.. service.GetProperty("service_ips").EnumerateArray().SelectMany(ip => new[] { ip.GetProperty("ipv4").GetString()!, ip.GetProperty("ipv6").GetString()! })];

    [Fact]
    public async Task The_same_keyed_deployment_sent_again_in_parallel_and_after_a_root_restart_creates_one_service_and_one_set_of_instances()
    {
        var dataDir = Oakestra.Actors.Root.Tests.Persistence.TestRoot.NewDataDir();
        try
        {
            string[] first;
            string[] instanceIds;
            var id = Slas.ServiceId("keyed");
            await using (var root = await RootProcess.StartAsync(dataDir))
            {
                var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Post(root, "/api/v1/applications", Slas.One("keyed"), "deploy-1")));
                Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
                var views = await Task.WhenAll(answers.Select(async a => (await root.Json(a)).GetProperty("services")[0]));
                first = Addresses(views[0]);
                Assert.All(views, v => Assert.Equal(first, Addresses(v)));

                // Without the key, the same document is a conflict: the key is what makes it the same request.
                Assert.Equal(HttpStatusCode.Conflict, (await Post(root, "/api/v1/applications", Slas.One("keyed"), null)).StatusCode);

                var deployed = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Post(root, $"/api/v1/services/{id}/instances", """{"count":2}""", "scale-1")));
                Assert.All(deployed, d => Assert.Equal(HttpStatusCode.Created, d.StatusCode));
                instanceIds = [.. (await root.Json(deployed[0])).EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];
                Assert.Equal([$"{id}.0", $"{id}.1"], instanceIds);
                foreach (var d in deployed.Skip(1))
                    Assert.Equal(instanceIds, (await root.Json(d)).EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            }

            await using (var again = await RootProcess.StartAsync(dataDir))
            {
                var replay = await Post(again, "/api/v1/applications", Slas.One("keyed"), "deploy-1");
                Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
                Assert.Equal(first, Addresses((await again.Json(replay)).GetProperty("services")[0]));

                var redeploy = await Post(again, $"/api/v1/services/{id}/instances", """{"count":2}""", "scale-1");
                Assert.Equal(HttpStatusCode.Created, redeploy.StatusCode);
                Assert.Equal(instanceIds, (await again.Json(redeploy)).EnumerateArray().Select(i => i.GetProperty("id").GetString()!));

                var service = await again.Json(await again.Http.GetAsync($"/api/v1/services/{id}"));
                Assert.Equal(2, service.GetProperty("instances").GetArrayLength());
                Assert.Single((await again.Json(await again.Http.GetAsync("/api/v1/services"))).EnumerateArray());

                // A new key is a new request.
                var more = await Post(again, $"/api/v1/services/{id}/instances", """{"count":1}""", "scale-2");
                Assert.Equal([$"{id}.2"], (await again.Json(more)).EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            }
        }
        finally
        {
            Oakestra.Actors.Root.Tests.Persistence.TestRoot.DeleteDataDir(dataDir);
        }
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    public async Task An_unusable_key_is_refused_naming_the_header(string key)
    {
        await using var root = await RootProcess.StartAsync();
        var r = await Post(root, "/api/v1/applications", Slas.One("badkey"), key);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("Idempotency-Key", (await root.Json(r)).GetProperty("field").GetString());
    }
}
