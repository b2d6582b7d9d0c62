using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Transport.DotNetty;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Remoting;

/// <summary>
/// A certificate's name binds what its holder may claim: the registry a member fills from the certificates its
/// remoting accepted answers whether a sender address may speak as a given worker or site.
/// </summary>
public sealed class RemotingIdentitiesTests : IDisposable
{
    private readonly TestCa _ca = new("deployment CA");

    [Theory]
    [InlineData("[::ffff:10.99.0.3]:40123", "10.99.0.3")]
    [InlineData("10.99.0.3:40123", "10.99.0.3")]
    [InlineData("[fd99::3]:40123", "fd99::3")]
    [InlineData("ssl.tcp://oakestra-site-site1@10.99.0.2:4053", "10.99.0.2")]
    [InlineData("ssl.tcp://oakestra-site-site1@W1:4053", "w1")]
    public void The_host_is_read_from_either_shape_of_peer_akka_reports(string peer, string host) =>
        Assert.Equal(host, RemotingIdentities.HostOf(peer));

    [Fact]
    public async Task A_member_that_associated_with_w2s_certificate_may_speak_as_w2_only()
    {
        var identities = new RemotingIdentities();
        var inbox = new ConcurrentQueue<string>();
        var port = TestRoot.FreePort();
        var settings = new OakClusterSettings(ClusterTier.Site, OakClusterSettings.SiteSystemName("site1"), "127.0.0.1", port,
            [$"{RemotingTls.TlsScheme}://{OakClusterSettings.SiteSystemName("site1")}@127.0.0.1:{port}"], OakestraRoles.Orchestrator)
        {
            Tls = _ca.Member("CN=site1, OU=orchestrator") with { Identities = identities },
        };
        using var target = new HostBuilder()
            .ConfigureServices(s => s.AddAkka(settings.SystemName, (b, _) => b
                .WithOakestraCluster(settings)
                .WithActors((system, _) => system.ActorOf(Props.Create(() => new Inbox(inbox)), "inbox"))))
            .Build();
        await target.StartAsync();
        var w2 = _ca.Member("CN=w2, OU=worker");
        using var sender = ActorSystem.Create("sender", BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString(
                "akka.actor.provider = remote\nakka.loglevel = WARNING\nakka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, enable-ssl = on }"))
            .And(new DotNettySslSetup(w2.Certificate, false, true, false, w2.Validator)));
        try
        {
            var path = $"{RemotingTls.TlsScheme}://{settings.SystemName}@127.0.0.1:{port}/user/inbox";
            for (var i = 0; i < 60 && inbox.IsEmpty; i++)
            {
                sender.ActorSelection(path).Tell("hello");
                await Task.Delay(500);
            }
            Assert.Contains("hello", inbox);

            var from = ((ExtendedActorSystem)sender).Provider.DefaultAddress;
            Assert.Null(identities.Refusal(from, OakestraRoles.Worker, "w2"));
            Assert.Contains("holds the certificate of worker w2, not of worker w1", identities.Refusal(from, OakestraRoles.Worker, "w1"));
            Assert.NotNull(identities.Refusal(from, OakestraRoles.Orchestrator, "site1"));
            // A host no certificate came from cannot be judged.
            Assert.Null(identities.Refusal(new Address("akka.ssl.tcp", "x", "10.99.0.9", 4053), OakestraRoles.Worker, "w1"));
        }
        finally
        {
            await sender.Terminate();
            await target.StopAsync();
        }
    }

    private sealed class Inbox : ReceiveActor
    {
        public Inbox(ConcurrentQueue<string> received) => Receive<string>(received.Enqueue);
    }

    public void Dispose() => _ca.Dispose();
}
