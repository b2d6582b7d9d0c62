using System.Diagnostics;
using System.Text.Json;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>The WAN link between the site and the root tier is lost for 60 s: the site keeps serving and converges after the heal.</summary>
public sealed partial class LiveLabTests
{
    [SkippableFact, Step(9)]
    public async Task Site_cut_from_the_root_for_60_s_stops_no_instance_and_converges_within_30_s_of_the_heal()
    {
        lab.RequireUp();
        var (sitePids, instances) = await Settled();

        var loops = await StartLoops(80);
        await Until(loops, TimeSpan.FromSeconds(5));
        await lab.OakOk("lab", "cut", "site1", "root");
        log.WriteLine($"site1 cut from the root at {loops.Clock.Elapsed.TotalSeconds:F1} s");
        string? probe = null;
        try
        {
            // A change the site can only learn after the heal: a new deployment while it is cut off.
            await Until(loops, TimeSpan.FromSeconds(40));
            probe = await DeployProbe("sitecut");
            await Until(loops, TimeSpan.FromSeconds(60));
            // The cut is real: the root has not heard the site for 55 s (silent after 30 s) and could not place there.
            Assert.Equal("silent", await SiteLink("site1"));
            Assert.Null(await ProbeRunning(probe));
            await Until(loops, TimeSpan.FromSeconds(65));
        }
        finally
        {
            await lab.OakOk("lab", "heal");
        }
        var heal = Stopwatch.StartNew();
        log.WriteLine($"healed at {loops.Clock.Elapsed.TotalSeconds:F1} s");

        await WaitFor(TimeSpan.FromSeconds(30), async () => await SiteLink("site1") == "connected" ? "" : null,
            "`oak sites` showing site1 connected within 30 s of the heal", describe: () => $"last: {_lastLink}");
        var connectedAt = heal.Elapsed;
        var running = await WaitFor(TimeSpan.FromSeconds(30) - heal.Elapsed, () => ProbeRunning(probe!),
            $"{probe}, deployed during the cut, Running within 30 s of the heal");
        var runningAt = heal.Elapsed;
        await WaitFor(TimeSpan.FromSeconds(30) - heal.Elapsed, async () => await TablesBehindRoot() is { Count: 0 } ? "" : null,
            "every worker's table holding each of its services at the root's version within 30 s of the heal", describe: () => string.Join("; ", _behind));
        var convergedAt = heal.Elapsed;
        await ProbeAnswersThenUndeploy(probe!, running);
        log.WriteLine($"heal → site1 connected {connectedAt.TotalSeconds:F1} s, deployment made during the cut Running {runningAt.TotalSeconds:F1} s " +
                      $"(on {running.Node}), every worker's table at the root's versions {convergedAt.TotalSeconds:F1} s");

        await AssertLoopsAnswered(loops, "site1 cut from the root at 5 s, healed at 65 s");
        Assert.Equal(sitePids, await SitePids());
        await AssertInstancesKept(instances, "the 60 s cut");
    }

    private string? _lastLink;
    private List<string> _behind = [];

    /// <summary>The link `oak sites` shows for <paramref name="site"/> (connected, silent, lost), null when it does not answer.</summary>
    private async Task<string?> SiteLink(string site)
    {
        var r = await lab.Oak(LiveLabFixture.Short, "--json", "sites");
        if (r.ExitCode != 0) return _lastLink = $"oak sites failed: {r.Err.Trim()}";
        using var doc = JsonDocument.Parse(r.Out);
        return _lastLink = doc.RootElement.EnumerateArray().FirstOrDefault(s => s.GetProperty("site").GetString() == site) is { ValueKind: JsonValueKind.Object } e
            ? e.GetProperty("link").GetString()
            : $"no {site} in {r.Out.Trim()}";
    }

    /// <summary>
    /// Where a worker's table differs from the root: a service held at another version than the root's, or one the
    /// root no longer has; a worker whose table cannot be read counts as behind. Empty when every worker agrees.
    /// </summary>
    private async Task<List<string>> TablesBehindRoot()
    {
        var behind = new List<string>();
        using var services = JsonDocument.Parse((await lab.OakOk("--json", "services")).Out);
        var versions = services.RootElement.EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("version").GetInt64());
        foreach (var (node, p) in await LabProcesses())
        {
            if (p.Role != "worker") continue;
            if (await TableOf(node) is not { } table) { behind.Add($"{node}: table not answered"); continue; }
            foreach (var s in table.GetProperty("services").EnumerateArray())
            {
                var id = s.GetProperty("service_id").GetString()!;
                var v = s.GetProperty("version").GetInt64();
                if (!versions.TryGetValue(id, out var root)) behind.Add($"{node}: {id} v{v}, which the root no longer has");
                else if (v != root) behind.Add($"{node}: {id} v{v}, root v{root}");
            }
        }
        return _behind = behind;
    }
}
