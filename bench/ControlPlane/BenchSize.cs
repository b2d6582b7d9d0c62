using System.Globalization;

namespace Oakestra.Actors.Bench.ControlPlane;

/// <summary>
/// One size of the benchmark. <see cref="Interests"/>: remote services each inert worker keeps traffic to (so a change
/// fans out across sites, not only to the nodes that run the service). <see cref="Changes"/>: how many measured changes
/// (one instance added to a random service each) are made after the load is in place, at each rate of <see cref="Rates"/>
/// in turn (changes per second): a slow rate shows a change's own latency, a faster one the root's queue as well.
/// </summary>
public sealed record BenchSize(int Sites, int WorkersPerSite, int Services, int Instances)
{
    public int Interests { get; init; } = 2;
    public int Changes { get; init; } = 200;
    public IReadOnlyList<double> Rates { get; init; } = [2, 10];
    public int Parallel { get; init; } = 8;
    public TimeSpan ChangeDeadline { get; init; } = TimeSpan.FromSeconds(60);

    public int Workers => Sites * WorkersPerSite;

    public override string ToString() =>
        $"{Sites} sites × {WorkersPerSite} workers, {Services} services, {Instances} instances";

    /// <summary>--sites N --workers-per-site N --services N --instances N [--interests N] [--changes N] [--rate N[,N…]] [--parallel N]</summary>
    public static BenchSize Parse(IReadOnlyList<string> args)
    {
        var size = new BenchSize(10, 100, 1000, 5000);
        for (var i = 0; i < args.Count; i++)
        {
            int Int() => int.Parse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture);
            size = args[i] switch
            {
                "--sites" => size with { Sites = Int() },
                "--workers-per-site" => size with { WorkersPerSite = Int() },
                "--services" => size with { Services = Int() },
                "--instances" => size with { Instances = Int() },
                "--interests" => size with { Interests = Int() },
                "--changes" => size with { Changes = Int() },
                "--rate" => size with { Rates = args[++i].Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray() },
                "--parallel" => size with { Parallel = Int() },
                var other => throw new ArgumentException($"unknown argument {other}"),
            };
        }
        if (size.Sites < 1 || size.WorkersPerSite < 1 || size.Services < 1 || size.Instances < size.Services)
            throw new ArgumentException("need at least 1 site, 1 worker per site, 1 service and one instance per service");
        return size;
    }
}
