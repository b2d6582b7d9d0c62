using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Transport.DotNetty;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Root.Tests.Persistence;
using System.Security.Cryptography.X509Certificates;

namespace Oakestra.Actors.Root.Tests.Remoting;

/// <summary>
/// Akka remoting over mutual TLS (Oak:Remoting:*): a member started through the shared hosting accepts an
/// association only from a process holding a certificate of its deployment's CA, and logs why it refused.
/// Several ActorSystems in one process, on 127.0.0.1.
/// </summary>
public sealed class RemotingTlsTests : IDisposable
{
    private readonly TestCa _ca = new("deployment CA");
    private readonly TestCa _otherCa = new("another CA");

    public enum Sender { PlainTcp, TlsWithoutCertificate, OtherCa, SameCa }

    [Theory]
    [InlineData(Sender.PlainTcp, false)]
    [InlineData(Sender.TlsWithoutCertificate, false)]
    [InlineData(Sender.OtherCa, false)]
    [InlineData(Sender.SameCa, true)]
    public async Task Only_a_process_with_a_certificate_of_the_deployments_ca_associates(Sender sender, bool arrives)
    {
        var logs = new LogRecorder();
        var inbox = new ConcurrentQueue<string>();
        var port = TestRoot.FreePort();
        var tls = _ca.Member("CN=target, OU=root");
        var settings = new OakClusterSettings(ClusterTier.Root, OakClusterSettings.RootSystemName, "127.0.0.1", port,
            [$"{RemotingTls.TlsScheme}://{OakClusterSettings.RootSystemName}@127.0.0.1:{port}"], OakestraRoles.Root) { Tls = tls };
        using var target = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information))
            .ConfigureServices(s => s.AddAkka(settings.SystemName, (b, _) => b
                .WithOakestraCluster(settings)
                .WithActors((system, _) => system.ActorOf(Props.Create(() => new Inbox(inbox)), "inbox"))))
            .Build();
        await target.StartAsync();
        var system = target.Services.GetRequiredService<ActorSystem>();
        Assert.Equal(RemotingTls.TlsScheme, ((ExtendedActorSystem)system).Provider.DefaultAddress.Protocol);

        using var rogue = Start(sender);
        var scheme = sender == Sender.PlainTcp ? RemotingTls.PlainScheme : RemotingTls.TlsScheme;
        var path = $"{scheme}://{settings.SystemName}@127.0.0.1:{port}/user/inbox";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(arrives ? 30 : 8);
        while (DateTime.UtcNow < deadline && inbox.IsEmpty)
        {
            rogue.System.ActorSelection(path).Tell($"from {sender}");
            await Task.Delay(500);
        }

        try
        {
            if (arrives)
            {
                Assert.Contains($"from {sender}", inbox);
                return;
            }
            Assert.Empty(inbox);
            var refusal = sender switch
            {
                Sender.PlainTcp => "TLS handshake failure",
                Sender.TlsWithoutCertificate => "client did not provide a certificate",
                _ => "refused remoting peer",
            };
            Assert.True(logs.Lines.Any(l => l.Contains(refusal, StringComparison.Ordinal)),
                $"no log line has '{refusal}':\n{string.Join("\n", logs.Lines.Where(l => !l.StartsWith("Information", StringComparison.Ordinal)))}");
        }
        finally
        {
            await target.StopAsync();
        }
    }

    [Fact]
    public void A_members_own_certificate_must_come_from_the_configured_ca()
    {
        var member = _ca.Member("CN=w1, OU=worker");
        Assert.Null(member.Refusal(member.Certificate));
        using var foreign = _otherCa.Issue("CN=w1, OU=worker");
        Assert.NotNull(member.Refusal(foreign));
    }

    /// <summary>A process that is not a member: plain remoting, or TLS with whatever certificate it has.</summary>
    private Rogue Start(Sender sender)
    {
        var hocon = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.loglevel = WARNING
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, enable-ssl = {{(sender == Sender.PlainTcp ? "off" : "on")}} }
            """);
        var bootstrap = BootstrapSetup.Create().WithConfig(hocon);
        ActorSystemSetup setup = sender switch
        {
            Sender.PlainTcp => ActorSystemSetup.Create(bootstrap),
            // Akka itself insists on a certificate of its own to dial; this one just never shows it.
            Sender.TlsWithoutCertificate => bootstrap.And(new DotNettySslSetup(_otherCa.Issue("CN=anyone"), suppressValidation: true, requireMutualAuthentication: false)),
            Sender.OtherCa => bootstrap.And(new DotNettySslSetup(_otherCa.Issue("CN=w1, OU=worker"), suppressValidation: true, requireMutualAuthentication: true)),
            _ => bootstrap.And(new DotNettySslSetup(_ca.Issue("CN=w1, OU=worker"), false, true, false, _ca.Member("CN=w1, OU=worker").Validator)),
        };
        return new Rogue(ActorSystem.Create("rogue", setup));
    }

    private sealed record Rogue(ActorSystem System) : IDisposable
    {
        public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    private sealed class Inbox : ReceiveActor
    {
        public Inbox(ConcurrentQueue<string> received) => Receive<string>(received.Enqueue);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
    }
}

/// <summary>Every log line of a host, to assert what an operator would read.</summary>
public sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose() { }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
