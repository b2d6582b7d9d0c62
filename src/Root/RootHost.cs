using Akka.Hosting;
using Oakestra.Actors.Contracts.Hosting;
using Oakestra.Actors.Root.Api;
using Oakestra.Actors.Root.Api.Sla;
using Oakestra.Actors.Root.Entities;
using Oakestra.Actors.Root.Persistence;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root;

/// <summary>
/// Builds the root process: HTTP API, cluster member with role root, journal, pools, entities. Program.cs
/// and the tests use the same builder, so the tests exercise the real wiring.
/// </summary>
public static class RootHost
{
    public static WebApplication Build(
        string[] args, Action<WebApplicationBuilder>? configure = null, Action<AkkaConfigurationBuilder>? akka = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var config = builder.Configuration;

        builder.Services.AddAddressPools(config);
        builder.Services.AddSingleton(RootSettingsFrom(config));
        builder.Services.AddSingleton(sp => new RootRefs(sp.GetRequiredService<AddressPools>(), sp.GetRequiredService<RootSettings>()));
        builder.Services.AddSingleton<IControlPlane, ActorControlPlane>();
        builder.Services.AddSingleton(sp => new SlaParser(SlaAddressRangesFromPools.From(sp.GetRequiredService<PoolCatalog>())));
        builder.Services.AddOakestraCluster(config, OakestraRoles.Root, (b, sp) =>
        {
            b.WithOakestraPersistence(config)
                .WithAddressPools(sp)
                .WithActors((system, registry, _) =>
                {
                    var refs = sp.GetRequiredService<RootRefs>();
                    registry.Register<RootGateway>(RootEntities.Start(system, refs));
                });
            akka?.Invoke(b);
        });

        var app = builder.Build();
        app.UseControlPlaneErrors();
        app.MapRootApi();
        return app;
    }

    /// <summary>Oak:Root:* (MigrationDrainSeconds, AskTimeoutSeconds, SnapshotEvery).</summary>
    public static RootSettings RootSettingsFrom(IConfiguration configuration)
    {
        var s = configuration.GetSection("Oak:Root");
        var d = RootSettings.Default;
        return new RootSettings(
            double.TryParse(s["MigrationDrainSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var drain) ? TimeSpan.FromSeconds(drain) : d.MigrationDrain,
            double.TryParse(s["AskTimeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture, out var ask) ? TimeSpan.FromSeconds(ask) : d.AskTimeout,
            int.TryParse(s["SnapshotEvery"], out var n) && n > 0 ? n : d.SnapshotEvery);
    }
}
