using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Oakestra.Actors.Contracts.Addressing;

namespace Oakestra.Actors.Root.Api.Sla;

/// <summary>
/// Reads an Oakestra SLA v2.0 document as the reference writes it (unknown fields are accepted and
/// ignored) and checks every rule the root relies on. The document is walked by hand rather than
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
            Walk(doc.RootElement, errors, specs);
            if (errors.Count == 0) CheckDuplicates(specs, errors);
            return errors.Count == 0 ? new SlaResult(specs.Select(s => s.Spec).ToArray(), []) : new SlaResult([], errors);
        }
    }

    private void Walk(JsonElement root, List<SlaError> errors, List<(ServiceSpec Spec, string Path)> specs)
    {
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

        var a = 0;
        foreach (var app in apps.EnumerateArray())
        {
            WalkApplication(app, $"applications[{a}]", errors, specs);
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

    private void WalkApplication(JsonElement app, string path, List<SlaError> errors, List<(ServiceSpec Spec, string Path)> specs)
    {
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
        if (services.GetArrayLength() == 0)
        {
            errors.Add(new SlaError(msPath, "non_empty", $"{msPath} must contain at least one microservice"));
            return;
        }

        var m = 0;
        foreach (var ms in services.EnumerateArray())
        {
            var spec = WalkMicroservice(ms, $"{msPath}[{m}]", appName, appNs, errors);
            if (spec is not null) specs.Add((spec, $"{msPath}[{m}]"));
            m++;
        }
    }

    private ServiceSpec? WalkMicroservice(JsonElement ms, string path, string? appName, string? appNs, List<SlaError> errors)
    {
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
        var port = Port(ms, $"{path}.port", errors);
        var (node, cluster) = Constraints(ms, $"{path}.constraints", errors);
        var requested = Addresses(ms, $"{path}.addresses", errors);

        if (errors.Count != before || appName is null || appNs is null || name is null || ns is null || code is null)
            return null;
        return new ServiceSpec(appName, appNs, name, ns, virtualization!, code, port, node, cluster, requested, path)
        {
            Command = command is { Count: > 0 } ? command : null,
            Environment = environment is { Count: > 0 } ? environment : null,
        };
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
    /// The reference writes ports as strings ("80", "9080:80", "80/udp"); a number is accepted too.
    /// The instance's own port (the last number of "host:instance") is the one kept.
    /// </summary>
    private static int? Port(JsonElement ms, string field, List<SlaError> errors)
    {
        if (!ms.TryGetProperty("port", out var v) || v.ValueKind == JsonValueKind.Null) return null;
        long number;
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (!v.TryGetInt64(out number))
            {
                errors.Add(new SlaError(field, "port", $"{field} must be a whole number 1-65535"));
                return null;
            }
        }
        else if (v.ValueKind == JsonValueKind.String)
        {
            var text = v.GetString()!.Trim();
            if (text.Length == 0) return null;
            var slash = text.IndexOf('/');
            if (slash >= 0) text = text[..slash];
            var parts = text.Split(':');
            long last = 0;
            foreach (var part in parts)
            {
                if (!long.TryParse(part, System.Globalization.NumberStyles.None, null, out last) || last is < 1 or > 65535)
                {
                    errors.Add(new SlaError(field, "port", $"{field} must be a port 1-65535 (or \"host:instance\"), got \"{v.GetString()}\""));
                    return null;
                }
            }
            number = last;
        }
        else
        {
            errors.Add(new SlaError(field, "port", $"{field} must be a number or a string"));
            return null;
        }
        if (number is < 1 or > 65535)
        {
            errors.Add(new SlaError(field, "port", $"{field} must be 1-65535, got {number}"));
            return null;
        }
        return (int)number;
    }

    private static (string? Node, string? Cluster) Constraints(JsonElement ms, string field, List<SlaError> errors)
    {
        if (!ms.TryGetProperty("constraints", out var v) || v.ValueKind == JsonValueKind.Null) return (null, null);
        if (v.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new SlaError(field, "array", $"{field} must be an array"));
            return (null, null);
        }
        string? node = null, cluster = null;
        var i = 0;
        foreach (var c in v.EnumerateArray())
        {
            var path = $"{field}[{i++}]";
            if (c.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new SlaError(path, "object", $"{path} must be an object"));
                continue;
            }
            // Only "direct" placement means something to this root; the reference's latency/geo
            // constraints are accepted and ignored like every other unknown field.
            var type = OptionalString(c, "type", $"{path}.type", errors);
            if (type != "direct") continue;
            var named = OptionalString(c, "node", $"{path}.node", errors);
            if (named is not null && !NodeNames.IsValid(named))
                errors.Add(new SlaError($"{path}.node", "node_name", $"{path}.node must be {NodeNames.Rule}, got \"{named}\""));
            node = named ?? node;
            cluster = OptionalString(c, "cluster", $"{path}.cluster", errors) ?? cluster;
        }
        return (node, cluster);
    }

    private Dictionary<string, IPAddress> Addresses(JsonElement ms, string field, List<SlaError> errors)
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
            if (spec is null || prop.Value.ValueKind == JsonValueKind.Null) continue;
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
