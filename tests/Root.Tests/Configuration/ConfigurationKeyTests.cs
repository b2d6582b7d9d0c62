using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Oakestra.Actors.Contracts.Hosting;

namespace Oakestra.Actors.Root.Tests.Configuration;

/// <summary>A key nobody reads, or a value that does not parse, stops a process with the key named; docs/CONFIG.md and the key list agree.</summary>
public sealed partial class ConfigurationKeyTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void A_misspelt_key_stops_the_start_and_the_message_names_it_and_the_key_meant()
    {
        var e = Assert.Throws<OakConfigurationException>(() => OakConfiguration.Validate(Config(("Oak:Node:Lattitude", "48.1"))));
        Assert.Contains("Oak:Node:Lattitude is not a configuration key: did you mean Oak:Node:Latitude?", e.Message);
    }

    [Theory]
    [InlineData("Oak:Node:Latitude", "48,1", "is not a latitude")] // used to become 0 in silence
    [InlineData("Oak:Node:Longitude", "200", "is outside -180..180")]
    [InlineData("Oak:Root:PlacementDeadlineSeconds", "2m", "is not a number of seconds")]
    [InlineData("Oak:Root:SiteGraceSeconds", "-5", "is negative")]
    [InlineData("Oak:Akka:Port", "40x", "is not a whole number")]
    [InlineData("Oak:Store:Provider", "mysql", "is not one of sqlite, postgres")]
    [InlineData("Oak:Node:Offload", "yes please", "is not true or false")]
    [InlineData("Oak:Remoting:Tls", "maybe", "is not on or off")]
    public void A_value_that_does_not_parse_stops_the_start_with_the_key_and_the_value(string key, string value, string why)
    {
        var e = Assert.Throws<OakConfigurationException>(() => OakConfiguration.Validate(Config((key, value))));
        Assert.Contains($"{key} = '{value}' {why}", e.Message);
    }

    [Fact]
    public void What_the_lab_and_the_docs_write_is_accepted()
    {
        OakConfiguration.Validate(Config(
            ("Oak:Node:Latitude", "48.137"), ("Oak:Node:Longitude", "-11.5"), ("Oak:Root:SiteGraceSeconds", "0"), ("Oak:Remoting:Tls", "off"),
            ("Oak:Pools:Prefixes:service-v4", "10.40.0.0/16"), ("Oak:Node:Sandbox:HiddenPaths:0", "/etc/keys"), ("Oak:Akka:Seeds", "10.0.0.1:4053,10.0.0.2:4053"),
            ("Oak:Store:Provider", "postgres"), ("Oak:Node:TunName", ""), ("Oak:node:name", "w1"), ("Logging:LogLevel:Default", "Debug")));
    }

    [Fact]
    public void Every_key_docs_CONFIG_md_documents_is_known_and_every_known_key_is_documented()
    {
        var docs = File.ReadAllText(Path.Combine(Repo(), "docs", "CONFIG.md"));
        var documented = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match row in TableRow().Matches(docs))
            foreach (Match key in DocumentedKey().Matches(row.Groups[1].Value))
            {
                var k = key.Groups[1].Value;
                if (k.EndsWith(":*", StringComparison.Ordinal)) continue; // a heading's "Oak:Node:*"
                documented.Add(Regex.Replace(Regex.Replace(k, "<[^>]+>", "*"), ":[0-9]+$", ":*"));
            }
        var known = OakConfiguration.Keys.Select(k => k.Path).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Empty(documented.Where(d => !known.Contains(d)).Order());
        Assert.Empty(known.Where(k => !documented.Contains(k)).Order());
    }

    [Fact]
    public async Task A_worker_started_with_a_misspelt_key_exits_2_with_one_line_naming_it()
    {
        var dll = Path.Combine(Repo(), "src/WorkerNode/bin/Release/net10.0/Oakestra.Actors.WorkerNode.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        using var p = Process.Start(new ProcessStartInfo("dotnet", [dll, "--Oak:Node:Runtime=inert", "--Oak:Node:TunnelEndpoit=10.0.0.1:50103"])
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        })!;
        var err = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, p.ExitCode);
        Assert.Equal("oak worker: Oak:Node:TunnelEndpoit is not a configuration key: did you mean Oak:Node:TunnelEndpoint? (docs/CONFIG.md lists them)", (await err).Trim());
    }

    private static string Repo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Oakestra.Actors.sln"))) return dir.FullName;
        throw new InvalidOperationException("no Oakestra.Actors.sln above the test binary");
    }

    // The first cell of a table row, where CONFIG.md names its keys (one or several, in backticks).
    [GeneratedRegex(@"^\|([^|]*)\|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"`(Oak:[A-Za-z0-9:<>*_.-]+)`")]
    private static partial Regex DocumentedKey();
}
