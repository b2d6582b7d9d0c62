using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Tests.Api;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>
/// Interests expire at the root too (issue 14 item 7): a lost site's subscriptions are dropped, so a site gone for
/// good is sent no more deltas; a site that is heard gets them, and a lost one that subscribes again gets them again.
/// </summary>
[Collection(RootProcessCollection.Name)]
public sealed class LostSiteSubscriptionTests
{
    [Fact]
    public async Task A_lost_site_is_sent_no_more_deltas_until_it_subscribes_again()
    {
        await using var root = await RootProcess.StartAsync(null, null, "--Oak:Root:SiteSilenceSeconds=1", "--Oak:Root:SiteGraceSeconds=1");
        Assert.Equal(System.Net.HttpStatusCode.Created, (await root.PostJson("/api/v1/applications", Slas.One("subs"))).StatusCode);
        var id = Slas.ServiceId("subs");
        var gone = new FakeOrchestrator(root, "gone").Register();
        var alive = new FakeOrchestrator(root, "alive").Register();
        gone.Subscribe(id);
        alive.Subscribe(id);

        // "alive" keeps its link up; "gone" says nothing more and is lost after silence + grace.
        using var stop = new CancellationTokenSource();
        var beats = Task.Run(async () =>
        {
            for (long n = 1; !stop.IsCancellationRequested; n++)
            {
                root.Gateway.Tell(new SiteHeartbeat("alive", alive.Ref, n, 0), alive.Ref);
                await Task.Delay(200);
            }
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await root.ControlPlane.ListSitesAsync(default)).Single(s => s.Site == "gone").Link != "lost")
        {
            Assert.True(DateTime.UtcNow < deadline, "site 'gone' was not lost within 30 s");
            await Task.Delay(200);
        }
        await Task.Delay(TimeSpan.FromSeconds(1)); // the drop reaches the service entity
        gone.Drain(TimeSpan.FromMilliseconds(300));

        Assert.True((await root.ControlPlane.DeployInstancesAsync(id, 1, null, default)).Ok);
        alive.Take<ServiceDelta>(d => d.ServiceId == id, TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(gone.Drain(TimeSpan.FromSeconds(2)), m => m is ServiceDelta);

        // It comes back and subscribes again: deltas again.
        gone.Subscribe(id);
        Assert.True((await root.ControlPlane.DeployInstancesAsync(id, 1, null, default)).Ok);
        gone.Take<ServiceDelta>(d => d.ServiceId == id, TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await beats;
    }
}
