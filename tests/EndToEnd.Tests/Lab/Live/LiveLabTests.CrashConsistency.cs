using System.Diagnostics;
using System.Text.Json;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>
/// Deployments as a user's script makes them, through the CLI with an idempotency key and a retry window, while the
/// root is SIGKILLed and started again at random moments: every deployment that succeeded exists exactly once, every
/// Service IP and Instance IP has exactly one owner, and no instance is left Pending.
/// </summary>
public sealed partial class LiveLabTests
{
    private const int CrashDeployments = 100;
    private const int RootKills = 10;

    [SkippableFact, Step(8)]
    public async Task Deployments_through_the_CLI_survive_10_kill_9s_of_the_root_exactly_once_and_every_address_keeps_one_owner()
    {
        lab.RequireUp();
        var seed = Environment.TickCount;
        var rng = new Random(seed);
        var kills = Enumerable.Range(1, CrashDeployments - 2).OrderBy(_ => rng.Next()).Take(RootKills).Order().ToArray();
        log.WriteLine($"seed {seed}: the root is killed while deployments {string.Join(", ", kills)} run");
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, CrashDeployments).Select(i => $"crash.lab.d{i}.lab").ToArray();
        var current = -1;
        var clock = Stopwatch.StartNew();
        var lastStart = TimeSpan.Zero;

        var killer = Task.Run(async () =>
        {
            foreach (var k in kills)
            {
                while (Volatile.Read(ref current) < k) await Task.Delay(20);
                await Task.Delay(rng.Next(0, 1200)); // somewhere inside deployment k: a POST, an allocation, a persist, an answer
                await lab.OakOk("lab", "kill", "root");
                var killedAt = clock.Elapsed;
                await Task.Delay(rng.Next(500, 3000));
                await lab.OakOk("lab", "start", "root");
                lastStart = clock.Elapsed;
                log.WriteLine($"root killed at {killedAt.TotalSeconds:F1} s (deployment {Volatile.Read(ref current)}), started at {lastStart.TotalSeconds:F1} s");
            }
        });
        try
        {
            for (var i = 0; i < CrashDeployments; i++)
            {
                Volatile.Write(ref current, i);
                var file = Path.Combine(lab.Repo, ".lab", $"crash-d{i}-sla.json");
                await File.WriteAllTextAsync(file, $$"""
                    {"sla_version":"v2.0","customerID":"Admin","applications":[{"applicationID":"","application_name":"crash","application_namespace":"lab",
                     "application_desc":"deployed while the root is killed","microservices":[{"microserviceID":"","microservice_name":"d{{i}}",
                     "microservice_namespace":"lab","virtualization":"process","code":"sleep 86400"}]}]}
                    """);
                var deploy = await lab.Oak(TimeSpan.FromSeconds(200), "deploy", file, "--idempotency-key", $"crash-{run}-{i}", "--retry-for", "120");
                Assert.True(deploy.ExitCode == 0, $"deployment {i} failed: {deploy.Err}");
            }
            Volatile.Write(ref current, int.MaxValue);
            await killer;
        }
        finally
        {
            Volatile.Write(ref current, int.MaxValue);
            await killer.WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(_ => { });
        }
        log.WriteLine($"{CrashDeployments} deployments done at {clock.Elapsed.TotalSeconds:F1} s, the last root start at {lastStart.TotalSeconds:F1} s");

        try
        {
            // Exactly once: each deployment's service, with exactly the one instance it asked for (a retry added none).
            var services = await ServicesJson();
            var crash = services.Where(s => s.Id.StartsWith("crash.lab.d", StringComparison.Ordinal)).ToList();
            Assert.Equal(ids.Order(StringComparer.Ordinal), crash.Select(s => s.Id).Order(StringComparer.Ordinal));
            Assert.All(crash, s => Assert.True(s.Instances.Count == 1, $"{s.Id} has {s.Instances.Count} instances"));

            // No instance Pending (or Starting) 120 s after the root's last start.
            var runningBy = lastStart + TimeSpan.FromSeconds(120);
            while (true)
            {
                var waiting = (await ServicesJson()).Where(s => s.Id.StartsWith("crash.lab.d", StringComparison.Ordinal))
                    .SelectMany(s => s.Instances).Where(i => i.Status != "Running").ToList();
                if (waiting.Count == 0) break;
                Assert.True(clock.Elapsed < runningBy, $"{waiting.Count} instances not Running 120 s after the root's last start: " +
                    string.Join(", ", waiting.Take(10).Select(i => $"{i.Id} {i.Status}")));
                await Task.Delay(2000);
            }
            log.WriteLine($"every instance Running at {clock.Elapsed.TotalSeconds:F1} s ({(clock.Elapsed - lastStart).TotalSeconds:F1} s after the last start)");

            // One owner per address: no two claims on one address, every claim held by its claimant in the pools, and,
            // once the audit has had its grace (120 s) after the last start, nothing held that nobody claims.
            var orphansGoneBy = lastStart + TimeSpan.FromSeconds(120 + 30 + 30);
            while (true)
            {
                var claims = Claims(await ServicesJson());
                var doubled = claims.GroupBy(c => c.Address).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(" and ", g.Select(c => c.Owner))}").ToList();
                Assert.True(doubled.Count == 0, $"addresses with two owners: {string.Join("; ", doubled)}");
                var held = await HeldJson();
                var heldBy = held.ToDictionary(h => h.Address, h => h.Owner);
                var unheld = claims.Where(c => !heldBy.TryGetValue(c.Address, out var o) || o != c.Owner).Select(c => $"{c.Address} ({c.Owner})").ToList();
                Assert.True(unheld.Count == 0, $"addresses a service shows but the pools do not hold for it: {string.Join(", ", unheld.Take(10))}");
                var claimed = claims.Select(c => c.Address).ToHashSet();
                var orphans = held.Where(h => !claimed.Contains(h.Address)).Select(h => $"{h.Address} ({h.Owner})").ToList();
                if (orphans.Count == 0)
                {
                    log.WriteLine($"{claims.Count} addresses, each with one owner; no orphan at {clock.Elapsed.TotalSeconds:F1} s");
                    break;
                }
                Assert.True(clock.Elapsed < orphansGoneBy, $"{orphans.Count} addresses held that no service or instance holds, " +
                    $"{(clock.Elapsed - lastStart).TotalSeconds:F0} s after the last start: {string.Join(", ", orphans.Take(10))}");
                await Task.Delay(5000);
            }
        }
        finally
        {
            // Later steps lose workers: they should not move a hundred sleeping instances around.
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 4 },
                async (id, _) => await lab.Oak(LiveLabFixture.Short, "undeploy", id));
        }
    }

    private sealed record ServiceJson(string Id, IReadOnlyList<(string Policy, string V4, string V6)> Ips, IReadOnlyList<InstanceView> Instances);

    private async Task<List<ServiceJson>> ServicesJson()
    {
        using var doc = JsonDocument.Parse((await lab.OakOk("--json", "services")).Out);
        return doc.RootElement.EnumerateArray().Select(s => new ServiceJson(
            s.GetProperty("id").GetString()!,
            s.GetProperty("service_ips").EnumerateArray().Select(e => (e.GetProperty("policy").GetString()!, e.GetProperty("ipv4").GetString()!, e.GetProperty("ipv6").GetString()!)).ToList(),
            s.GetProperty("instances").EnumerateArray().Select(i => new InstanceView(i.GetProperty("id").GetString()!, i.GetProperty("status").GetString()!,
                i.GetProperty("instance_ipv4").GetString()!, i.GetProperty("instance_ipv6").GetString()!, null)).ToList())).ToList();
    }

    /// <summary>Who each address belongs to by the services' own word, in the pools' owner notation.</summary>
    private static List<(string Address, string Owner)> Claims(IEnumerable<ServiceJson> services) =>
        services.SelectMany(s => s.Ips.SelectMany(ip => new[] { (Canonical(ip.V4), $"service:{s.Id}/{ip.Policy}"), (Canonical(ip.V6), $"service:{s.Id}/{ip.Policy}") })
            .Concat(s.Instances.SelectMany(i => new[] { (Canonical(i.Ipv4), $"instance:{i.Id}"), (Canonical(i.Ipv6), $"instance:{i.Id}") }))).ToList();

    private async Task<List<(string Address, string Owner)>> HeldJson()
    {
        using var doc = JsonDocument.Parse((await lab.OakOk("--json", "addresses")).Out);
        return doc.RootElement.EnumerateArray().Where(h => h.GetProperty("kind").GetString() is "service" or "instance").Select(h =>
        {
            var kind = h.GetProperty("kind").GetString()!;
            var owner = h.GetProperty("owner").GetString()!;
            var policy = h.TryGetProperty("policy", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            return (Canonical(h.GetProperty("address").GetString()!), kind == "service" ? $"service:{owner}/{policy}" : $"instance:{owner}");
        }).ToList();
    }

    private static string Canonical(string address) => System.Net.IPAddress.Parse(address).ToString();
}
