using System.Text.Json;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>
/// Open connections that go quiet for longer than a worker's interest expiry (10 s in the lab) keep their route
/// and their instance: a flow's route is held by the flow, not by the interest that first fetched it.
/// </summary>
public sealed partial class LiveLabTests
{
    private const int IdleConnections = 30;
    private const int IdleSeconds = 20;

    [SkippableTheory, Step(3)]
    [InlineData(4)]
    [InlineData(6)]
    public async Task Thirty_connections_to_the_RR_IP_silent_for_20_s_are_answered_again_by_the_same_instance(int family)
    {
        lab.RequireUp();
        var svc = await lab.ServiceAsync();
        var r = await lab.InClient(TimeSpan.FromSeconds(IdleSeconds + 60),
            "dotnet", lab.DemoDll, "idle", svc.Ip("rr", family), "8080", $"{IdleConnections}", $"{IdleSeconds}", "--timeout", "10");
        Assert.True(r.ExitCode == 0, $"demo idle: {r}");
        using var doc = JsonDocument.Parse(r.Out.Trim());
        var o = doc.RootElement;
        log.WriteLine($"IPv{family}: {r.Out.Trim()}");
        var firsts = o.GetProperty("first_answers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        // Round Robin spread the 30 over the three instances, so most of them crossed to another node's instance.
        Assert.Equal(svc.Instances.Select(i => i.Id).Order(), firsts.Keys.Order());
        Assert.True(o.GetProperty("same").GetInt32() == IdleConnections,
            $"{o.GetProperty("same")} of {IdleConnections} answered again by the same instance after {IdleSeconds} s of silence: {o.GetProperty("errors")}");
    }
}
