using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Oakestra.Actors.Contracts.Hosting;

/// <summary>What a configuration value must look like.</summary>
public enum OakValue { Text, Integer, Seconds, Number, Latitude, Longitude, Boolean, OnOff }

/// <summary>One key under <c>Oak:</c>; a <c>*</c> segment stands for any name or index (<c>Oak:Pools:Prefixes:*</c>).</summary>
public sealed record OakKey(string Path, OakValue Value, params string[] Choices);

/// <summary>A configuration that names an unknown key or gives a key a value it cannot take: the process does not start.</summary>
public sealed class OakConfigurationException(string message) : Exception(message);

/// <summary>
/// Every key of ours a process reads (docs/CONFIG.md lists the same ones, and a test holds the two together), and the
/// check every process runs before it starts: an unknown key (a typo: <c>Oak:Node:Lattitude</c>) or a value that
/// does not parse (<c>Oak:Node:Latitude=48,1</c>, which used to become 0 in silence) stops it with the key named.
/// Keys of other roles are accepted everywhere: one environment file may serve several processes.
/// </summary>
public static class OakConfiguration
{
    public static readonly IReadOnlyList<OakKey> Keys =
    [
        new("Oak:Akka:Hostname", OakValue.Text),
        new("Oak:Akka:Port", OakValue.Integer),
        new("Oak:Akka:Seeds", OakValue.Text),
        new("Oak:Akka:SystemName", OakValue.Text),
        new("Oak:Akka:RejoinOnly", OakValue.Boolean),
        new("Oak:Akka:DownAfterSeconds", OakValue.Seconds),
        new("Oak:Root:MigrationDrainSeconds", OakValue.Seconds),
        new("Oak:Root:AskTimeoutSeconds", OakValue.Seconds),
        new("Oak:Root:SnapshotEvery", OakValue.Integer),
        new("Oak:Root:SiteSilenceSeconds", OakValue.Seconds),
        new("Oak:Root:PlacementDeadlineSeconds", OakValue.Seconds),
        new("Oak:Root:SiteGraceSeconds", OakValue.Seconds),
        new("Oak:Root:NodeDecommissionGraceSeconds", OakValue.Seconds),
        new("Oak:Root:ServiceReservationSeconds", OakValue.Seconds),
        new("Oak:Root:UnconfirmedAddressGraceSeconds", OakValue.Seconds),
        new("Oak:Root:AddressAuditSeconds", OakValue.Seconds),
        new("Oak:Root:DigestSettleSeconds", OakValue.Seconds),
        new("Oak:Root:Contacts", OakValue.Text),
        new("Oak:Store:Provider", OakValue.Text, "sqlite", "postgres"),
        new("Oak:Store:DataDir", OakValue.Text),
        new("Oak:Store:ConnectionString", OakValue.Text),
        new("Oak:Pools:QuarantineSeconds", OakValue.Seconds),
        new("Oak:Pools:SnapshotEvery", OakValue.Integer),
        new("Oak:Pools:AskTimeoutSeconds", OakValue.Seconds),
        new("Oak:Pools:Prefixes:*", OakValue.Text),
        new("Oak:Pools:SubnetV4Length", OakValue.Integer),
        new("Oak:Pools:SubnetV6Length", OakValue.Integer),
        new("Oak:Api:Token", OakValue.Text),
        new("Oak:Api:TokenFile", OakValue.Text),
        new("Oak:Api:MaxBodyBytes", OakValue.Integer),
        new("Oak:Api:MaxMicroservices", OakValue.Integer),
        new("Oak:Api:MaxCodeBytes", OakValue.Integer),
        new("Oak:Api:MaxInstancesPerRequest", OakValue.Integer),
        new("Oak:Api:Certificate:Path", OakValue.Text),
        new("Oak:Api:Certificate:KeyPath", OakValue.Text),
        new("Oak:Api:Certificate:Password", OakValue.Text),
        new("Oak:Remoting:Tls", OakValue.OnOff),
        new("Oak:Remoting:Certificate:Path", OakValue.Text),
        new("Oak:Remoting:Certificate:KeyPath", OakValue.Text),
        new("Oak:Remoting:Certificate:Password", OakValue.Text),
        new("Oak:Remoting:CaPath", OakValue.Text),
        new("Oak:Metrics:Urls", OakValue.Text),
        new("Oak:Site:Name", OakValue.Text),
        new("Oak:Site:WorkerGraceSeconds", OakValue.Seconds),
        new("Oak:Site:DigestSeconds", OakValue.Seconds),
        new("Oak:Test:DropOneIn", OakValue.Integer),
        new("Oak:Test:DropMessages", OakValue.Text),
        new("Oak:Node:Name", OakValue.Text),
        new("Oak:Node:TunnelEndpoint", OakValue.Text),
        new("Oak:Node:Latitude", OakValue.Latitude),
        new("Oak:Node:Longitude", OakValue.Longitude),
        new("Oak:Node:Runtime", OakValue.Text, "namespaces", "inert"),
        new("Oak:Node:StateDir", OakValue.Text),
        new("Oak:Node:NamespacePrefix", OakValue.Text),
        new("Oak:Tunnel:Security", OakValue.Text),
        new("Oak:Node:OnExit", OakValue.Text),
        new("Oak:Node:TunName", OakValue.Text),
        new("Oak:Node:Offload", OakValue.Boolean),
        new("Oak:Node:NetnsMountNamespace", OakValue.Text),
        new("Oak:Node:LogDir", OakValue.Text),
        new("Oak:Node:LogMaxBytes", OakValue.Integer),
        new("Oak:Node:Containerd:Address", OakValue.Text),
        new("Oak:Node:Containerd:Namespace", OakValue.Text),
        new("Oak:Node:Sandbox:Enabled", OakValue.Boolean),
        new("Oak:Node:Sandbox:Uid", OakValue.Integer),
        new("Oak:Node:Sandbox:Gid", OakValue.Integer),
        new("Oak:Node:Sandbox:DefaultPids", OakValue.Integer),
        new("Oak:Node:Sandbox:Path", OakValue.Text),
        new("Oak:Node:Sandbox:Home", OakValue.Text),
        new("Oak:Node:Sandbox:CgroupParent", OakValue.Text),
        new("Oak:Node:Sandbox:CgroupRoot", OakValue.Text),
        new("Oak:Node:Sandbox:HiddenPaths:*", OakValue.Text),
        new("Oak:Node:InterestExpirySeconds", OakValue.Seconds),
    ];

    /// <summary>Throws <see cref="OakConfigurationException"/> naming every unknown key and every value that does not parse.</summary>
    public static void Validate(IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var (key, value) in configuration.GetSection("Oak").AsEnumerable())
        {
            if (string.IsNullOrWhiteSpace(value)) continue; // a section, or a key left empty (as unset)
            var known = Find(key);
            if (known is null)
            {
                problems.Add($"{key} is not a configuration key{Suggestion(key)} (docs/CONFIG.md lists them)");
                continue;
            }
            if (Problem(known, value) is { } why) problems.Add($"{key} = '{value}' {why}");
        }
        if (problems.Count > 0) throw new OakConfigurationException(string.Join("; ", problems));
    }

    public static OakKey? Find(string key)
    {
        var parts = key.Split(':');
        return Keys.FirstOrDefault(k => k.Path.Split(':') is var p && p.Length == parts.Length
            && p.Zip(parts).All(x => x.First == "*" || string.Equals(x.First, x.Second, StringComparison.OrdinalIgnoreCase)));
    }

    private static string? Problem(OakKey key, string value)
    {
        var v = value.Trim();
        if (key.Choices.Length > 0 && !key.Choices.Contains(v, StringComparer.OrdinalIgnoreCase))
            return $"is not one of {string.Join(", ", key.Choices)}";
        double number;
        return key.Value switch
        {
            OakValue.Integer => long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : "is not a whole number",
            OakValue.Seconds => !Number(v, out number) ? "is not a number of seconds (a dot for decimals: 1.5)"
                : number < 0 ? "is negative" : null,
            OakValue.Number => Number(v, out _) ? null : "is not a number (a dot for decimals)",
            OakValue.Latitude => !Number(v, out number) ? "is not a latitude (degrees, a dot for decimals: 48.1)"
                : number is < -90 or > 90 ? "is outside -90..90" : null,
            OakValue.Longitude => !Number(v, out number) ? "is not a longitude (degrees, a dot for decimals: 11.6)"
                : number is < -180 or > 180 ? "is outside -180..180" : null,
            OakValue.Boolean => bool.TryParse(v, out _) ? null : "is not true or false",
            OakValue.OnOff => v.ToLowerInvariant() is "on" or "off" or "true" or "false" or "yes" or "no" or "1" or "0" ? null : "is not on or off",
            _ => null,
        };
    }

    private static bool Number(string v, out double n) =>
        double.TryParse(v, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out n)
        && double.IsFinite(n);

    private static string Suggestion(string key)
    {
        var best = Keys.Where(k => !k.Path.Contains('*')).Select(k => (k.Path, Distance: Distance(k.Path.ToLowerInvariant(), key.ToLowerInvariant())))
            .OrderBy(x => x.Distance).FirstOrDefault();
        return best.Path is not null && best.Distance <= 3 ? $": did you mean {best.Path}?" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) d[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = d[0];
            d[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return d[b.Length];
    }
}
