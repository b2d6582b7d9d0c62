using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>
/// What a worker process must know to adopt its instances after it crashed: the node's subnets and, per
/// instance, its launch, namespace, veth, Namespace IP slot and process identity. Written atomically (write,
/// fsync, rename) after every start and end, so a crash at any moment leaves either the old or the new file.
/// The kernel has the rest (the namespaces and processes); an instance whose process is gone is cleaned up.
/// </summary>
public sealed record NodeState(string Node, string SubnetV4, string SubnetV6, IReadOnlyList<RecordedInstance> Instances)
{
    public const string FileName = "instances.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string PathIn(string stateDirectory) => Path.Combine(Path.GetFullPath(stateDirectory), FileName);

    /// <summary>The recorded state, or null when there is none. A file that cannot be read is an error the caller reports.</summary>
    public static NodeState? Read(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<NodeState>(File.ReadAllBytes(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"node state file {path} is not readable: {e.Message}", e); }
    }

    public void Write(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, this, Json);
            file.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>One instance as the node state file keeps it.</summary>
public sealed record RecordedInstance(
    string ServiceId,
    string InstanceId,
    int InstanceNumber,
    long Epoch,
    string Code,
    string? InstanceIpv4,
    string? InstanceIpv6,
    int? ReadinessPort,
    IReadOnlyDictionary<string, string>? Environment,
    int Slot,
    string Netns,
    string Veth,
    string LogPath,
    int Pid,
    ulong StartTime,
    Containers.ContainerSpec? Container = null,
    bool Sandboxed = false,
    Contracts.Protocol.InstanceLimits? Limits = null,
    string? Mac = null)
{
    internal static RecordedInstance Of(InstanceEntry e)
    {
        var l = e.Launch;
        var process = e.Process!.Identity;
        return new(l.ServiceId, l.InstanceId, l.InstanceNumber, l.Epoch, l.Code, l.InstanceIpv4?.ToString(), l.InstanceIpv6?.ToString(),
            l.ReadinessPort, l.Environment, e.Lease.Slot, e.Netns, e.Veth, e.LogPath, process.Pid, process.StartTime, l.Container, e.Sandboxed, l.Limits, e.Mac);
    }

    [JsonIgnore]
    public InstanceLaunch Launch => new(ServiceId, InstanceId, InstanceNumber, Epoch, Code,
        InstanceIpv4 is null ? null : IPAddress.Parse(InstanceIpv4), InstanceIpv6 is null ? null : IPAddress.Parse(InstanceIpv6), ReadinessPort)
    {
        Environment = Environment,
        Container = Container,
        Limits = Limits,
    };

    [JsonIgnore]
    public ProcessIdentity Process => new(Pid, StartTime);
}
