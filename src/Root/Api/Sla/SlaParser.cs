using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Root.Api.Sla;

/// <summary>
/// Reads an Oakestra SLA v2.0 document as the reference writes it (fields it does not act on are accepted and
/// listed in <see cref="SlaResult.Ignored"/>) and checks every rule the root relies on. The document is walked by hand rather than
/// bound to classes so that every error names its field as a JSON path, type errors included.
/// </summary>
public sealed partial class SlaParser(SlaAddressRanges ranges, SlaLimits? limits = null)
{
    private readonly SlaLimits _limits = limits ?? SlaLimits.Default;

    public const string SupportedVersion = "v2.0";

    public SlaParser() : this(SlaAddressRanges.Default) { }

    [GeneratedRegex("^[a-zA-Z0-9]{1,30}$")]
    private static partial Regex NamePattern();

    public SlaResult Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            return new SlaResult([], [new SlaError(null, "json", $"the body is not a JSON document: {e.Message}")]);
        }

        using (doc)
        {
            var errors = new List<SlaError>();
            var specs = new List<(ServiceSpec Spec, string Path)>();
            var walk = new WalkState(errors, specs, [], []);
            Walk(doc.RootElement, walk);
            if (errors.Count == 0) CheckDuplicates(specs, errors);
            return errors.Count == 0
                ? new SlaResult(specs.Select(s => s.Spec).ToArray(), []) { Applications = walk.Applications, Ignored = walk.Ignored }
                : new SlaResult([], errors);
        }
    }

    /// <summary>What one walk collects besides the services: every application (also one without microservices)
    /// and every accepted field that does nothing here.</summary>
    private sealed record WalkState(
        List<SlaError> Errors, List<(ServiceSpec Spec, string Path)> Specs, List<SlaApplication> Applications, List<IgnoredField> Ignored);

    private void Walk(JsonElement root, WalkState walk)
    {
        var errors = walk.Errors;
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new SlaError("$", "object", "the SLA must be a JSON object"));
            return;
        }

        var version = RequiredString(root, "sla_version", "sla_version", errors);
        if (version is not null && version != SupportedVersion)
            errors.Add(new SlaError("sla_version", "version", $"sla_version must be \"{SupportedVersion}\", not \"{version}\""));

        if (!root.TryGetProperty("applications", out var apps) || apps.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new SlaError("applications", "array", "applications must be an array"));
            return;
        }
        if (apps.GetArrayLength() == 0)
            errors.Add(new SlaError("applications", "non_empty", "applications must contain at least one application"));

        if (TooManyMicroservices(apps) is { } tooMany)
        {
            errors.Add(tooMany);
            return;
        }

        SlaIgnoredFields.Unknown(root, "", SlaIgnoredFields.Document, walk.Ignored);
        var a = 0;
        foreach (var app in apps.EnumerateArray())
        {
            WalkApplication(app, $"applications[{a}]", walk);
            a++;
        }
    }

    /// <summary>Counted before anything is walked, so an oversized document costs one pass over its arrays.</summary>
    private SlaError? TooManyMicroservices(JsonElement apps)
    {
        var total = 0;
        var a = 0;
        foreach (var app in apps.EnumerateArray())
        {
            if (app.ValueKind == JsonValueKind.Object && app.TryGetProperty("microservices", out var ms) && ms.ValueKind == JsonValueKind.Array)
                total += ms.GetArrayLength();
            if (total > _limits.MaxMicroservices)
                return new SlaError($"applications[{a}].microservices", "max_count",
                    $"the document has more than {_limits.MaxMicroservices} microservices (Oak:Api:MaxMicroservices); split it");
            a++;
        }
        return null;
    }

    private void WalkApplication(JsonElement app, string path, WalkState walk)
    {
        var errors = walk.Errors;
        if (app.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new SlaError(path, "object", $"{path} must be an object"));
            return;
        }
        var appName = Name(app, "application_name", path, errors);
        var appNs = Name(app, "application_namespace", path, errors);

        var msPath = $"{path}.microservices";
        if (!app.TryGetProperty("microservices", out var services) || services.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new SlaError(msPath, "array", $"{msPath} must be an array"));
            return;
        }
        // An empty list is oak-cli's blank application: accepted, answered and listed with no service.
        SlaIgnoredFields.Unknown(app, path, SlaIgnoredFields.Application, walk.Ignored);
        var ids = new List<string>();
        var m = 0;
        foreach (var ms in services.EnumerateArray())
        {
            var spec = WalkMicroservice(ms, $"{msPath}[{m}]", appName, appNs, walk);
            if (spec is not null)
            {
                walk.Specs.Add((spec, $"{msPath}[{m}]"));
                ids.Add(spec.Id);
            }
            m++;
        }
        if (appName is not null && appNs is not null) walk.Applications.Add(new SlaApplication(appName, appNs, path, ids));
    }

    private ServiceSpec? WalkMicroservice(JsonElement ms, string path, string? appName, string? appNs, WalkState walk)
    {
        var errors = walk.Errors;
        if (ms.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new SlaError(path, "object", $"{path} must be an object"));
            return null;
        }
        var before = errors.Count;
        var name = Name(ms, "microservice_name", path, errors);
        var ns = Name(ms, "microservice_namespace", path, errors);

        var code = RequiredString(ms, "code", $"{path}.code", errors);
        if (code is not null && string.IsNullOrWhiteSpace(code))
            errors.Add(new SlaError($"{path}.code", "non_empty", $"{path}.code must not be empty (it is the command line the worker runs)"));
        else if (code is not null && System.Text.Encoding.UTF8.GetByteCount(code) > _limits.MaxCodeBytes)
            errors.Add(new SlaError($"{path}.code", "max_length", $"{path}.code is longer than {_limits.MaxCodeBytes} bytes (Oak:Api:MaxCodeBytes)"));

        var virtualization = Virtualization(ms, $"{path}.virtualization", errors);
        var command = StringList(ms, "cmd", $"{path}.cmd", errors);
        var environment = StringList(ms, "environment", $"{path}.environment", errors);
        if (environment is not null)
            for (var e = 0; e < environment.Count; e++)
                if (environment[e].IndexOf('=', StringComparison.Ordinal) <= 0)
                    errors.Add(new SlaError($"{path}.environment[{e}]", "key_value", $"{path}.environment[{e}] must be \"NAME=value\", got \"{environment[e]}\""));
        var ports = Ports(ms, $"{path}.port", errors);
        var (nodes, cluster) = Constraints(ms, $"{path}.constraints", errors, walk.Ignored);
        var requested = Addresses(ms, $"{path}.addresses", errors, walk.Ignored);
        var oneShot = OptionalBool(ms, "one_shot", $"{path}.one_shot", errors) ?? false;
        var limits = Limits(ms, path, errors);

        if (errors.Count != before || appName is null || appNs is null || name is null || ns is null || code is null)
            return null;
        foreach (var p in ms.EnumerateObject())
            if (SlaIgnoredFields.ReasonForMicroservice(p.Name) is { } why && SlaIgnoredFields.AsksForSomething(p.Value))
                walk.Ignored.Add(new IgnoredField($"{path}.{p.Name}", why));
        if (virtualization == "process" && command is { Count: > 0 })
            walk.Ignored.Add(new IgnoredField($"{path}.cmd", "virtualization process runs code as the whole command line; cmd replaces a container image's command"));
        if (ports.Count > 0)
            walk.Ignored.Add(new IgnoredField($"{path}.port",
                $"node ports are not published ({string.Join(", ", ports)}); the instance is reached on its Service and Instance IPs"
                + (ReadinessPort(ports) is { } ready ? $", and is Running once TCP port {ready} accepts connections" : "")));

        var single = nodes.Count == 1 ? nodes[0] : null;
        return new ServiceSpec(appName, appNs, name, ns, virtualization!, code, ReadinessPort(ports), single, cluster, requested, path)
        {
            Command = command is { Count: > 0 } ? command : null,
            Environment = environment is { Count: > 0 } ? environment : null,
            Ports = ports.Count > 0 ? ports : null,
            ConstraintNodes = nodes.Count > 1 ? nodes : null,
            OneShot = oneShot,
            Limits = limits,
        };
    }

    /// <summary>Readiness only where a TCP port is exposed: the instance's side of the first TCP mapping.</summary>
    private static int? ReadinessPort(IReadOnlyList<Entities.Services.ServicePort> ports) =>
        ports.FirstOrDefault(p => p.Protocol == Entities.Services.ServicePort.Tcp)?.InstancePort;

    private static bool? OptionalBool(JsonElement obj, string property, string field, List<SlaError> errors)
    {
        if (!obj.TryGetProperty(property, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        errors.Add(new SlaError(field, "boolean", $"{field} must be true or false"));
        return null;
    }

    /// <summary>Oakestra's <c>memory</c> (MiB) and <c>vcpus</c>: 0 or absent asks for no limit.</summary>
    private static Contracts.Protocol.InstanceLimits? Limits(JsonElement ms, string path, List<SlaError> errors)
    {
        var memory = OptionalNumber(ms, "memory", $"{path}.memory", 0, MaxMemoryMiB, errors);
        var vcpus = OptionalNumber(ms, "vcpus", $"{path}.vcpus", 0, MaxVcpus, errors);
        long? bytes = memory is > 0 ? (long)Math.Ceiling(memory.Value * 1024 * 1024) : null;
        double? cpus = vcpus is > 0 ? vcpus : null;
        return bytes is null && cpus is null ? null : new Contracts.Protocol.InstanceLimits(bytes, cpus);
    }

    /// <summary>1 TiB and 1024 CPUs: more than any edge node has, small enough that bytes never overflow.</summary>
    private const double MaxMemoryMiB = 1024 * 1024;
    private const double MaxVcpus = 1024;

    private static double? OptionalNumber(JsonElement obj, string property, string field, double min, double max, List<SlaError> errors)
    {
        if (!obj.TryGetProperty(property, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && d >= min && d <= max) return d;
        errors.Add(new SlaError(field, "range", $"{field} must be a number {min}-{max}"));
        return null;
    }

    /// <summary>What this deployment can run; Oakestra's <c>unikernel</c> and gVisor's <c>runsc</c> are not among them.</summary>
    public static readonly IReadOnlyList<string> SupportedVirtualizations = ["process", "container"];

    private static string? Virtualization(JsonElement ms, string field, List<SlaError> errors)
    {
        var value = OptionalString(ms, "virtualization", field, errors);
        if (value is null) return "process";
        if (SupportedVirtualizations.Contains(value)) return value;
        errors.Add(new SlaError(field, "virtualization",
            $"{field} must be one of {string.Join(", ", SupportedVirtualizations.Select(v => $"\"{v}\""))}, not \"{value}\""));
        return null;
    }

    /// <summary>An array of strings (Oakestra's <c>cmd</c>, <c>environment</c>); absent or null is null.</summary>
    private static List<string>? StringList(JsonElement ms, string property, string field, List<SlaError> errors)
    {
        if (!ms.TryGetProperty(property, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new SlaError(field, "array", $"{field} must be an array of strings"));
            return null;
        }
        var list = new List<string>();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String) list.Add(item.GetString()!);
            else errors.Add(new SlaError($"{field}[{i}]", "string", $"{field}[{i}] must be a string"));
            i++;
        }
        return list;
    }

    private static string? Name(JsonElement obj, string property, string path, List<SlaError> errors)
    {
        var field = $"{path}.{property}";
        var value = RequiredString(obj, property, field, errors);
        if (value is null) return null;
        if (!NamePattern().IsMatch(value))
        {
            errors.Add(new SlaError(field, "name", $"{field} must be 1-30 characters [a-zA-Z0-9], got \"{value}\""));
            return null;
        }
        return value;
    }

    private static string? RequiredString(JsonElement obj, string property, string field, List<SlaError> errors)
    {
        if (!obj.TryGetProperty(property, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new SlaError(field, "required", $"{field} is required"));
            return null;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            errors.Add(new SlaError(field, "string", $"{field} must be a string"));
            return null;
        }
        return v.GetString();
    }

    private static string? OptionalString(JsonElement obj, string property, string field, List<SlaError> errors)
    {
        if (!obj.TryGetProperty(property, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        errors.Add(new SlaError(field, "string", $"{field} must be a string"));
        return null;
    }

    /// <summary>
    /// Oakestra's <c>port</c>: mappings <c>"node:instance[/tcp|/udp]"</c> (a single number is both sides) joined by
    /// <c>;</c>, as its NodeEngine reads them (node-net-manager ManageContainerPorts: the first number is the node's
    /// port, the second the instance's). A bare number is accepted too. Absent or "" is no port.
    /// </summary>
    private static List<Entities.Services.ServicePort> Ports(JsonElement ms, string field, List<SlaError> errors)
    {
        var ports = new List<Entities.Services.ServicePort>();
        if (!ms.TryGetProperty("port", out var v) || v.ValueKind == JsonValueKind.Null) return ports;
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (!v.TryGetInt64(out var number) || number is < 1 or > 65535)
            {
                errors.Add(new SlaError(field, "port", $"{field} must be a whole number 1-65535"));
                return ports;
            }
            ports.Add(new((int)number, (int)number, Entities.Services.ServicePort.Tcp));
            return ports;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            errors.Add(new SlaError(field, "port", $"{field} must be a string of mappings (\"8080:80;53/udp\") or a number"));
            return ports;
        }
        var text = v.GetString()!.Trim();
        if (text.Length == 0) return ports;
        foreach (var entry in text.Split(';'))
        {
            if (PortMapping(entry.Trim()) is { } mapping) ports.Add(mapping);
            else
            {
                errors.Add(new SlaError(field, "port",
                    $"{field} must be mappings \"instance\" or \"node:instance\", ports 1-65535, optionally /tcp or /udp, joined by ';'; \"{entry.Trim()}\" is not one"));
                return [];
            }
        }
        return ports;
    }

    private static Entities.Services.ServicePort? PortMapping(string entry)
    {
        var protocol = Entities.Services.ServicePort.Tcp;
        var slash = entry.IndexOf('/');
        if (slash >= 0)
        {
            protocol = entry[(slash + 1)..].ToLowerInvariant();
            if (protocol is not (Entities.Services.ServicePort.Tcp or Entities.Services.ServicePort.Udp)) return null;
            entry = entry[..slash];
        }
        var parts = entry.Split(':');
        if (parts.Length is < 1 or > 2) return null;
        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, null, out numbers[i]) || numbers[i] is < 1 or > 65535) return null;
        return new Entities.Services.ServicePort(numbers[0], numbers[^1], protocol);
    }

    /// <summary>
    /// <c>direct</c> constraints: <c>node</c> is one node or a <c>;</c>-separated list (placement on any of them, as
    /// Oakestra's SLAs write it); several direct constraints add up. Other types (latency, geo, addons, clusters)
    /// are accepted and reported as ignored.
    /// </summary>
    private static (List<string> Nodes, string? Cluster) Constraints(JsonElement ms, string field, List<SlaError> errors, List<IgnoredField> ignored)
    {
        var nodes = new List<string>();
        if (!ms.TryGetProperty("constraints", out var v) || v.ValueKind == JsonValueKind.Null) return (nodes, null);
        if (v.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new SlaError(field, "array", $"{field} must be an array"));
            return (nodes, null);
        }
        string? cluster = null;
        var i = 0;
        foreach (var c in v.EnumerateArray())
        {
            var path = $"{field}[{i++}]";
            if (c.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new SlaError(path, "object", $"{path} must be an object"));
                continue;
            }
            var type = OptionalString(c, "type", $"{path}.type", errors);
            if (type != "direct")
            {
                ignored.Add(new IgnoredField(path, $"constraints of type \"{type}\" are not enforced (only \"direct\" is)"));
                continue;
            }
            var named = OptionalString(c, "node", $"{path}.node", errors);
            foreach (var node in (named ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!NodeNames.IsValid(node))
                    errors.Add(new SlaError($"{path}.node", "node_name", $"{path}.node must be {NodeNames.Rule} (several joined by ';'), got \"{node}\""));
                else if (!nodes.Contains(node, StringComparer.Ordinal)) nodes.Add(node);
            }
            cluster = OptionalString(c, "cluster", $"{path}.cluster", errors) ?? cluster;
        }
        return (nodes, cluster);
    }

    private Dictionary<string, IPAddress> Addresses(JsonElement ms, string field, List<SlaError> errors, List<IgnoredField> ignored)
    {
        var result = new Dictionary<string, IPAddress>();
        if (!ms.TryGetProperty("addresses", out var v) || v.ValueKind == JsonValueKind.Null) return result;
        if (v.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new SlaError(field, "object", $"{field} must be an object"));
            return result;
        }
        foreach (var prop in v.EnumerateObject())
        {
            var path = $"{field}.{prop.Name}";
            var spec = RequestedAddressFields.Find(prop.Name);
            if (spec is null)
            {
                if (SlaIgnoredFields.AsksForSomething(prop.Value))
                    ignored.Add(new IgnoredField(path, prop.Name == "instances" ? "Instance IPs are chosen by the root" : "not an Oakestra SLA field"));
                continue;
            }
            if (prop.Value.ValueKind == JsonValueKind.Null) continue;
            if (prop.Value.ValueKind != JsonValueKind.String)
            {
                errors.Add(new SlaError(path, "string", $"{path} must be a string"));
                continue;
            }
            var text = prop.Value.GetString()!;
            if (text.Length == 0) continue;
            if (spec.Family == AddressFamily.InterNetwork)
            {
                if (!Ipv4Address.TryParse(text, out var a4))
                {
                    errors.Add(new SlaError(path, "ipv4", $"{path} must be an IPv4 address, got \"{text}\""));
                    continue;
                }
                if (!ranges.ServiceV4.Contains(a4))
                {
                    errors.Add(new SlaError(path, "range", $"{path} {text} is outside the Service IP range {ranges.ServiceV4}"));
                    continue;
                }
                result[prop.Name] = a4.ToIPAddress();
            }
            else
            {
                if (!Ipv6Address.TryParse(text, out var a6))
                {
                    errors.Add(new SlaError(path, "ipv6", $"{path} must be an IPv6 address, got \"{text}\""));
                    continue;
                }
                if (!ranges.ServiceV6ByPolicy.TryGetValue(spec.Policy, out var prefix) || !prefix.Contains(a6))
                {
                    errors.Add(new SlaError(path, "range", $"{path} {text} is outside the {spec.Policy} range {(ranges.ServiceV6ByPolicy.TryGetValue(spec.Policy, out var p) ? p.ToString() : "?")}"));
                    continue;
                }
                result[prop.Name] = a6.ToIPAddress();
            }
        }
        return result;
    }

    /// <summary>Two microservices with one id, or one address asked for twice, can never both be created.</summary>
    private static void CheckDuplicates(List<(ServiceSpec Spec, string Path)> specs, List<SlaError> errors)
    {
        var ids = new HashSet<string>();
        var addresses = new Dictionary<IPAddress, string>();
        foreach (var (spec, path) in specs)
        {
            if (!ids.Add(spec.Id))
                errors.Add(new SlaError($"{path}.microservice_name", "duplicate", $"the service {spec.Id} appears twice in the document"));
            foreach (var (field, address) in spec.RequestedAddresses)
            {
                var fieldPath = $"{path}.addresses.{field}";
                if (addresses.TryGetValue(address, out var first))
                    errors.Add(new SlaError(fieldPath, "duplicate", $"{address} is requested twice in the document (first at {first})"));
                else
                    addresses[address] = fieldPath;
            }
        }
    }
}
