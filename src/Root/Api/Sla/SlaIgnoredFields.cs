using System.Text.Json;

namespace Oakestra.Actors.Root.Api.Sla;

/// <summary>A field of the SLA that was accepted but does nothing here, and why: the deploy answer lists them, so
/// nothing a user asked for is dropped in silence.</summary>
public sealed record IgnoredField(string Field, string Reason);

/// <summary>
/// Which SLA fields this root honours, which it reads only as labels, and which Oakestra defines but this root does
/// not act on (Oakestra's schema, root_orchestrator/system-manager-python/sla/schema.py). A field is reported as
/// ignored only when its value asks for something: 0, false, "", [], {} and null ask for nothing, so the blank
/// template oak-cli writes (every field present, most of them 0) yields no noise.
/// </summary>
internal static class SlaIgnoredFields
{
    /// <summary>Read by the parser (document level); <c>customerID</c> is a label.</summary>
    public static readonly IReadOnlySet<string> Document = new HashSet<string>(StringComparer.Ordinal)
        { "sla_version", "customerID", "applications" };

    public static readonly IReadOnlySet<string> Application = new HashSet<string>(StringComparer.Ordinal)
        { "application_name", "application_namespace", "microservices", "applicationID", "application_desc" };

    /// <summary>Honoured (or labels: <c>microserviceID</c>).</summary>
    public static readonly IReadOnlySet<string> Microservice = new HashSet<string>(StringComparer.Ordinal)
    {
        "microservice_name", "microservice_namespace", "microserviceID", "virtualization", "code", "cmd", "environment",
        "port", "constraints", "addresses", "one_shot", "memory", "vcpus",
    };

    /// <summary>Oakestra's fields this root accepts and does not act on, with what a user should know.</summary>
    private static readonly IReadOnlyDictionary<string, string> NotHonoured = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["vgpus"] = "no GPUs are scheduled",
        ["vtpus"] = "no TPUs are scheduled",
        ["bandwidth_in"] = "bandwidth is not reserved",
        ["bandwidth_out"] = "bandwidth is not reserved",
        ["storage"] = "storage is not reserved",
        ["state"] = "no state is fetched",
        ["added_files"] = "no files are added",
        ["args"] = "not passed to the instance (cmd is)",
        ["privileged"] = "instances never run privileged",
        ["volumes"] = "no volumes are mounted",
        ["connectivity"] = "connectivity constraints are not enforced",
        ["sla_violation_strategy"] = "SLA violations are not watched",
        ["target_node"] = "use a direct constraint or the deploy's node",
    };

    /// <summary>Why <paramref name="property"/> of a microservice is not honoured, null when it is (or is a label).</summary>
    public static string? ReasonForMicroservice(string property) =>
        Microservice.Contains(property) ? null
        : NotHonoured.TryGetValue(property, out var why) ? why
        : "not an Oakestra SLA field";

    /// <summary>Whether a value asks for anything at all.</summary>
    public static bool AsksForSomething(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.False => false,
        JsonValueKind.String => value.GetString()!.Length > 0,
        JsonValueKind.Number => !(value.TryGetDouble(out var d) && d == 0),
        JsonValueKind.Array => value.GetArrayLength() > 0,
        JsonValueKind.Object => value.EnumerateObject().Any(),
        _ => true,
    };

    /// <summary>Every property of <paramref name="obj"/> outside <paramref name="known"/> that asks for something.</summary>
    public static void Unknown(JsonElement obj, string path, IReadOnlySet<string> known, List<IgnoredField> ignored)
    {
        foreach (var p in obj.EnumerateObject())
            if (!known.Contains(p.Name) && AsksForSomething(p.Value))
                ignored.Add(new IgnoredField(Join(path, p.Name), NotHonoured.TryGetValue(p.Name, out var why) ? why : "not an Oakestra SLA field"));
    }

    public static string Join(string path, string property) => path.Length == 0 ? property : $"{path}.{property}";
}
