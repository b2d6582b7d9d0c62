using System.Net;
using System.Text.Json;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>
/// Identical SLAs posted at once, as a retrying client or two operators would: exactly one creates the service,
/// and the addresses it holds stay its own (measured before the fix: every round had one 201, but the losers'
/// rollback released the winner's Service IPs, so all winners and later SLAs shared 10.30.0.1).
/// </summary>
[Collection(RootProcessCollection.Name)]
public sealed class ParallelDeployTests : IAsyncLifetime
{
    private RootProcess _root = null!;

    public async Task InitializeAsync() => _root = await RootProcess.StartAsync();

    public async Task DisposeAsync() => await _root.DisposeAsync();

    [Fact]
    public async Task Parallel_identical_posts_create_once_and_the_winner_keeps_its_addresses()
    {
        var random = new Random(20261204);
        var held = new Dictionary<string, string>(StringComparer.Ordinal); // address → service holding it
        for (var round = 0; round < 50; round++)
        {
            var sla = Slas.One($"race{round}");
            var posts = Enumerable.Range(0, random.Next(4, 9)).Select(_ => _root.PostJson("/api/v1/applications", sla)).ToArray();
            var answers = await Task.WhenAll(posts);
            var codes = answers.Select(a => a.StatusCode).ToList();
            Assert.True(codes.Count(c => c == HttpStatusCode.Created) == 1 && codes.All(c => c is HttpStatusCode.Created or HttpStatusCode.Conflict),
                $"round {round}: {string.Join(", ", codes)}");
            var winner = (await _root.Json(answers.Single(a => a.StatusCode == HttpStatusCode.Created))).GetProperty("services")[0];
            foreach (var address in AddressesOf(winner))
                Assert.True(held.TryAdd(address, winner.GetProperty("id").GetString()!), $"round {round}: {address} is also held by {held.GetValueOrDefault(address)}");
        }

        // What the root says now: every winner still holds what it was given, none of it is offered as free.
        foreach (var service in (await _root.Json(await _root.Http.GetAsync("/api/v1/services"))).EnumerateArray())
            foreach (var address in AddressesOf(service))
                Assert.Equal(service.GetProperty("id").GetString(), held[address]);
        foreach (var (pool, v) in new[] { ("round_robin", 4), ("round_robin", 6), ("closest", 4), ("closest", 6) })
        {
            var free = await _root.Json(await _root.Http.GetAsync($"/api/v1/addresses/available?pool={pool}&v={v}&count=8"));
            Assert.All(free.GetProperty("addresses").EnumerateArray(), a => Assert.False(held.ContainsKey(a.GetString()!), $"{a} offered as free"));
        }

        var later = await _root.PostJson("/api/v1/applications", Slas.One("afterrace"));
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.All(AddressesOf((await _root.Json(later)).GetProperty("services")[0]), a => Assert.False(held.ContainsKey(a), $"{a} given twice"));
    }

    private static IEnumerable<string> AddressesOf(JsonElement service) =>
        service.GetProperty("service_ips").EnumerateArray().SelectMany(ip => new[] { ip.GetProperty("ipv4").GetString()!, ip.GetProperty("ipv6").GetString()! });
}
