using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Oakestra.Actors.Root.Tests.Persistence;

namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>How much the root logs when started from a directory that has no appsettings.json (as the lab and a package do).</summary>
public sealed class RootLoggingTests
{
    private static async Task<(bool Requests, bool Info)> Levels(params string[] extra)
    {
        var dataDir = TestRoot.NewDataDir();
        var contentRoot = Directory.CreateTempSubdirectory("oak-content-").FullName;
        try
        {
            await using var app = RootHost.Build(["--contentRoot", contentRoot, $"--Oak:Store:DataDir={dataDir}", "--Oak:Remoting:Tls=off", .. extra]);
            var loggers = app.Services.GetRequiredService<ILoggerFactory>();
            return (loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information),
                loggers.CreateLogger("Oakestra.Actors.Root").IsEnabled(LogLevel.Information));
        }
        finally
        {
            TestRoot.DeleteDataDir(dataDir);
            Directory.Delete(contentRoot, true);
        }
    }

    [Fact]
    public async Task Requests_are_not_logged_one_line_each_by_default_but_the_roots_own_information_is()
    {
        var (requests, info) = await Levels();
        Assert.False(requests);
        Assert.True(info);
    }

    [Fact]
    public async Task Request_logs_come_back_with_the_standard_logging_key()
    {
        var (requests, _) = await Levels("--Logging:LogLevel:Microsoft.AspNetCore=Information");
        Assert.True(requests);
    }
}
