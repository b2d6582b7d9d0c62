namespace Oakestra.Actors.ClusterOrchestrator.Actors;

/// <summary>
/// A test switch (Oak:Test:DropOneIn, Oak:Test:DropMessages): drops every n-th message of each named type that
/// reaches the orchestrator, so that tests and the lab can show anti-entropy repairs lost messages. Off by default;
/// the orchestrator logs a warning at start when it is on.
/// </summary>
public sealed class MessageDropper(int oneIn, IReadOnlySet<string> typeNames)
{
    public static readonly IReadOnlySet<string> DefaultTypes = new HashSet<string>(StringComparer.Ordinal) { "ServiceDelta", "PlaceInstance", "StopInstance" };

    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);

    public int OneIn { get; } = oneIn;
    public IReadOnlySet<string> TypeNames { get; } = typeNames;
    public long Dropped { get; private set; }

    public bool Drops(object message)
    {
        var name = message.GetType().Name;
        if (OneIn <= 0 || !TypeNames.Contains(name)) return false;
        var n = _seen[name] = _seen.GetValueOrDefault(name) + 1;
        if (n % OneIn != 0) return false;
        Dropped++;
        return true;
    }
}
