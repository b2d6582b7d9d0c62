using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>
/// The control plane at one size: the real root program (its SQLite journal in a temp directory) and one real
/// orchestrator program per site, each a process of its own on loopback, plus the sites' inert workers in this
/// process (one ActorSystem per site, joined to the site's cluster). Remoting is plain TCP (Oak:Remoting:Tls=off):
/// the workers of a site share one ActorSystem, so they cannot each present their own node certificate, which the
/// orchestrator binds to the node name with TLS on. Everything is driven through the root's HTTP API.
/// </summary>
public sealed class ControlPlaneHarness(BenchSize size, Action<string> log) : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oak-cpbench-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _token = Guid.NewGuid().ToString("N");
    private readonly List<ChildProcess> _orchestrators = new();
    private readonly List<IHost> _workerHosts = new();
    private readonly ConcurrentDictionary<string, List<string>> _instances = new(StringComparer.Ordinal);
    private readonly List<BenchService> _services = new();
    private readonly Random _random = new(4711);
    private ChildProcess? _root;
    private RootApiClient? _api;
    private bool _failed;

    public ChangeWatches Watches { get; } = new();
    public List<InertWorker> Workers { get; } = new();

    private RootApiClient Api => _api!;

    /// <summary>One result per rate of <see cref="BenchSize.Rates"/>, over the same load.</summary>
    public async Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken ct)
    {
        try
        {
            var registration = await StartAsync(ct);
            var loaded = await LoadAsync(ct) with { Registration = registration };
            var results = new List<BenchResult>();
            foreach (var rate in size.Rates)
                results.Add(Memory(await MeasureChangesAsync(loaded with { Rate = rate }, ct)) with { Retries = Api.Retries });
            return results;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    // ---- processes ----

    private async Task<TimeSpan> StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_dir);
        var rootPort = FreePort();
        var httpPort = FreePort();
        var args = new List<string>
        {
            "--urls", $"http://127.0.0.1:{httpPort}",
            $"--Oak:Store:DataDir={Path.Combine(_dir, "root")}",
            "--Oak:Akka:Hostname=127.0.0.1",
            "--Oak:Remoting:Tls=off",
            $"--Oak:Akka:Port={rootPort}",
            $"--Oak:Api:Token={_token}",
            "--Oak:Root:AskTimeoutSeconds=60",
        };
        // Defaults hold 1,024 worker subnets (10.18.0.0/16 in /26) and 65,534 Service/Instance IPv4s (10.30.0.0/16):
        // larger sizes get larger pools (DESIGN §2: all configurable).
        if (size.Workers > 1000) args.Add("--Oak:Pools:Prefixes:subnet-v4=10.64.0.0/10");
        if (size.Services * 2 + size.Instances + size.Changes > 65_000) args.Add("--Oak:Pools:Prefixes:service-v4=10.30.0.0/15");
        _root = ChildProcess.Start("root", "src/Root", "Oakestra.Actors.Root", args, _dir);
        _api = new RootApiClient($"http://127.0.0.1:{httpPort}", _token);
        await Until("the root's API answers", async () => await Api.HealthyAsync(ct) && await Try(() => Api.SitesAsync(ct)), TimeSpan.FromSeconds(120), ct);
        log($"root up (pid {_root.Id}, {_dir})");

        var sites = Enumerable.Range(1, size.Sites).Select(i => $"s{i:00}").ToArray();
        var ports = new Dictionary<string, int>();
        foreach (var site in sites)
        {
            var port = ports[site] = FreePort();
            _orchestrators.Add(ChildProcess.Start($"orchestrator-{site}", "src/ClusterOrchestrator", "Oakestra.Actors.ClusterOrchestrator",
            [
                "--Oak:Akka:Hostname=127.0.0.1",
                "--Oak:Remoting:Tls=off",
                $"--Oak:Akka:Port={port}",
                $"--Oak:Akka:Seeds=127.0.0.1:{port}",
                $"--Oak:Site:Name={site}",
                $"--Oak:Root:Contacts=127.0.0.1:{rootPort}",
                $"--Oak:Akka:DownAfterSeconds={InertWorkers.DownAfterSeconds}",
            ], _dir));
        }

        // One site after the other: 11 processes and every worker registering at once on a small shared machine made
        // members miss heartbeats, and the site's split brain resolver downed a side (seen at 10 × 100, load 25).
        var started = Stopwatch.StartNew();
        var index = 0;
        foreach (var site in sites)
        {
            var mine = Enumerable.Range(1, size.WorkersPerSite).Select(j =>
            {
                var node = $"{site}w{j:0000}";
                // Unique per worker (peers are keyed by it); nothing listens there: the workers are inert.
                return new InertWorker(site, node, $"127.0.0.1:{10000 + index++}", new ProbeDataPlane(node, Watches));
            }).ToArray();
            Workers.AddRange(mine);
            _workerHosts.Add(InertWorkers.Start(site, ports[site], mine));
            var expected = Workers.Count;
            await Until($"{expected} workers registered with subnets", async () =>
            {
                var nodes = await Api.NodesAsync(ct);
                var up = nodes.Count(n => n.Subnets && n.Status.Equals("up", StringComparison.OrdinalIgnoreCase));
                return (up >= expected, $"{up} up");
            }, TimeSpan.FromSeconds(300 + size.WorkersPerSite * 0.2), ct);
            log($"site {site}: {expected} workers registered after {started.Elapsed.TotalSeconds:0.0} s");
        }
        var registration = started.Elapsed;
        log($"{size.Workers} workers registered in {registration.TotalSeconds:0.0} s");
        return registration;
    }

    // ---- the load ----

    private async Task<BenchResult> LoadAsync(CancellationToken ct)
    {
        var journal = new JournalCounter(Path.Combine(_dir, "root", "oakestra.db"));
        var before = journal.Count();
        var clock = Stopwatch.StartNew();

        const int perDocument = 100;
        var batches = Enumerable.Range(0, (size.Services + perDocument - 1) / perDocument).ToArray();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (b, c) =>
        {
            var names = Enumerable.Range(b * perDocument, Math.Min(perDocument, size.Services - b * perDocument)).Select(n => $"m{n}").ToArray();
            var created = await Api.CreateServicesAsync($"b{b}", names, c);
            lock (_services) _services.AddRange(created);
        });
        _services.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        log($"{_services.Count} services created in {clock.Elapsed.TotalSeconds:0.0} s");

        var each = size.Instances / size.Services;
        var extra = size.Instances % size.Services;
        var done = 0;
        await Parallel.ForEachAsync(_services.Select((s, i) => (s, i)), new ParallelOptions { MaxDegreeOfParallelism = size.Parallel, CancellationToken = ct },
            async (x, c) =>
            {
                var ids = await Api.DeployAsync(x.s.Id, each + (x.i < extra ? 1 : 0), c);
                _instances[x.s.Id] = [.. ids];
                if (Interlocked.Increment(ref done) % 1000 == 0) log($"{done} services deployed ({clock.Elapsed.TotalSeconds:0} s)");
            });
        await Until($"{size.Instances} instances Running in their workers' tables", () =>
        {
            var running = Workers.Sum(w => w.DataPlane.LocalCount);
            return Task.FromResult((running >= size.Instances, $"{running} running"));
            // 0.02 s an instance was too short at 10 × 1000 (load average ~45): 2,790 of 5,000 Running 220 s after the deploys.
        }, TimeSpan.FromSeconds(120 + size.Instances * 0.1), ct);
        var load = clock.Elapsed;
        var events = journal.Count() - before;
        log($"load in {load.TotalSeconds:0.0} s: {events} journal events, {events / load.TotalSeconds:0} events/s");

        // Remote interests: every worker keeps traffic going to a few services it does not run.
        var wanted = 0;
        foreach (var w in Workers)
        {
            var keys = new List<RouteKey>();
            while (w.DataPlane.Wanted.Count < Math.Min(size.Interests, _services.Count))
            {
                var s = _services[_random.Next(_services.Count)];
                if (!w.DataPlane.Wanted.Add(s.Id)) continue; // distinct services, so "held" can reach "wanted"
                keys.Add(new RouteKey(Ipv4Address.Parse(s.RoundRobinV4), null));
                wanted++;
            }
            w.DataPlane.Interest(keys);
        }
        int Held() => Workers.Sum(w => w.DataPlane.Wanted.Count(w.DataPlane.Held.Contains));
        try
        {
            await Until("remote interests held", () => Task.FromResult((Held() >= wanted, $"{Held()} of {wanted}")), TimeSpan.FromSeconds(60 + size.Workers * 0.01), ct);
        }
        catch (TimeoutException e) { log(e.Message + " (measuring anyway)"); }
        return new BenchResult(size)
        {
            Load = load, LoadEvents = events, LoadEventsPerSecond = events / load.TotalSeconds, InterestsHeld = Held(), InterestsWanted = wanted,
        };
    }

    // ---- the measured changes ----

    private async Task<BenchResult> MeasureChangesAsync(BenchResult result, CancellationToken ct)
    {
        var journal = new JournalCounter(Path.Combine(_dir, "root", "oakestra.db"));
        var before = journal.Count();
        var clock = Stopwatch.StartNew();
        var chosen = _services.OrderBy(_ => _random.Next()).Take(Math.Min(size.Changes, _services.Count)).ToArray();
        var watches = new ConcurrentBag<ChangeWatch>();
        var lost = new ConcurrentBag<string>();
        var tasks = new List<Task>();
        for (var i = 0; i < chosen.Length; i++)
        {
            var due = TimeSpan.FromSeconds(i / result.Rate) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due, ct);
            var service = chosen[i];
            tasks.Add(Task.Run(async () =>
            {
                var watch = await ChangeAsync(service, ct);
                if (watch.Complete) watches.Add(watch);
                else lost.Add($"{service.Id}: {string.Join(", ", watch.Missing.Take(5))} never applied it");
            }, ct));
        }
        await Task.WhenAll(tasks);
        var events = journal.Count() - before;
        var all = watches.ToArray();
        log($"{chosen.Length} changes at {result.Rate}/s in {clock.Elapsed.TotalSeconds:0.0} s, {lost.Count} not complete");
        return result with
        {
            ChangesMade = chosen.Length,
            Propagation = Percentiles.Of(all.Select(w => w.PropagationMs)),
            PerWorker = Percentiles.Of(all.SelectMany(w => w.PerWorkerMs)),
            Answer = Percentiles.Of(all.Select(w => (w.AnsweredTicks - w.StartedTicks) * 1000.0 / Stopwatch.Frequency)),
            AfterAnswer = Percentiles.Of(all.Select(w => w.AfterAnswerMs)),
            FanOut = Percentiles.Of(all.Select(w => w.FanOutMs)),
            InterestedPerChange = all.Length == 0 ? 0 : all.Average(w => w.Interested.Append(w.NewNode!).Distinct().Count()),
            Lost = lost.ToArray(),
            Slowest = all.SelectMany(w => w.Deliveries).OrderByDescending(d => d.Ms).Take(3)
                .Select(d => $"{d.Ms:0} ms {d.Node} ({d.Why})").ToArray(),
            ChangeEventsPerSecond = events / clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>One instance more for <paramref name="service"/>; returns when every interested worker applied it, or at the deadline.</summary>
    private async Task<ChangeWatch> ChangeAsync(BenchService service, CancellationToken ct)
    {
        var baseline = _instances[service.Id].ToHashSet(StringComparer.Ordinal);
        var interested = Workers.Where(w => w.DataPlane.Held.Contains(service.Id)).Select(w => w.Node).ToHashSet(StringComparer.Ordinal);
        var watch = new ChangeWatch(service.Id, baseline, interested, Stopwatch.GetTimestamp());
        Watches.Add(watch);
        try
        {
            var ids = await Api.DeployAsync(service.Id, 1, ct);
            watch.AnsweredTicks = Stopwatch.GetTimestamp();
            lock (_instances[service.Id]) _instances[service.Id].AddRange(ids);
            var deadline = Stopwatch.StartNew();
            while (!watch.Complete && deadline.Elapsed < size.ChangeDeadline) await Task.Delay(5, ct);
            return watch;
        }
        finally { Watches.Remove(watch); }
    }

    private BenchResult Memory(BenchResult result)
    {
        var root = _root!.Memory();
        var orchestrators = _orchestrators.Select(o => o.Memory()).ToArray();
        var self = ChildProcess.Rss(Environment.ProcessId);
        return result with
        {
            RootRssMb = root.Rss,
            RootPeakMb = root.Peak,
            OrchestratorRssMb = orchestrators.Average(o => o.Rss),
            OrchestratorMaxRssMb = orchestrators.Max(o => o.Rss),
            OrchestratorPeakMb = orchestrators.Max(o => o.Peak),
            WorkersRssMb = self.Rss,
            WorkersGcHeapMb = GC.GetTotalMemory(false) / 1048576.0,
            LoadAverage = BenchResult.ReadLoadAverage(),
        };
    }

    // ---- helpers ----

    private static async Task<bool> Try<T>(Func<Task<T>> call)
    {
        try { await call(); return true; }
        catch (HttpRequestException) { return false; }
    }

    private Task Until(string what, Func<Task<bool>> condition, TimeSpan timeout, CancellationToken ct) =>
        Until(what, async () => (await condition(), ""), timeout, ct);

    private async Task Until(string what, Func<Task<(bool Done, string Progress)>> condition, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        while (true)
        {
            var (done, progress) = await condition();
            if (done) return;
            foreach (var p in _orchestrators.Append(_root!).Where(p => p.Exited))
                throw new InvalidOperationException($"{p.Name} exited while waiting for {what}:\n{p.Tail()}");
            if (clock.Elapsed > timeout) throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0} s ({progress})");
            if (clock.Elapsed - lastLog > TimeSpan.FromSeconds(10) && progress.Length > 0)
            {
                lastLog = clock.Elapsed;
                log($"waiting for {what}: {progress}");
            }
            await Task.Delay(200, ct);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var h in _workerHosts)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await h.StopAsync(cts.Token); } catch (OperationCanceledException) { }
            h.Dispose();
        }
        foreach (var o in _orchestrators) o.Dispose();
        _root?.Dispose();
        _api?.Dispose();
        if (_failed) log($"logs kept in {_dir}");
        else try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
