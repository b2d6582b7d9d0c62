using Microsoft.Extensions.Configuration;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>The Oak:Akka:* keys of docs/CONFIG.md, with their documented defaults applied.</summary>
public sealed record OakClusterSettings(string SystemName, string Hostname, int Port, IReadOnlyList<string> Seeds, string Role)
{
    public const string DefaultSystemName = "oakestra";
    public const int DefaultRootPort = 4053;

    public static OakClusterSettings FromConfiguration(IConfiguration configuration, string role)
    {
        var section = configuration.GetSection("Oak:Akka");
        var systemName = NonEmpty(section["SystemName"]) ?? DefaultSystemName;
        var hostname = NonEmpty(section["Hostname"]) ?? "127.0.0.1";
        var port = int.TryParse(section["Port"], out var p) ? p : role == OakestraRoles.Root ? DefaultRootPort : 0;
        var seeds = (NonEmpty(section["Seeds"]) ?? $"akka.tcp://{systemName}@127.0.0.1:{DefaultRootPort}")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new OakClusterSettings(systemName, hostname, port, seeds, role);
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
