namespace Oakestra.Actors.WorkerNode.Actors;

/// <summary>Who this worker is, and the timings of its control loop.</summary>
public sealed record WorkerSettings(string Site, string Node, string TunnelEndpoint, double Latitude = 0, double Longitude = 0)
{
    /// <summary>A remote service's entries are dropped after this long without traffic to it.</summary>
    public TimeSpan InterestExpiry { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often usage is read, misses drained and RTTs looked at.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often unanswered requests (registration, queries) are sent again.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the worker tells its orchestrator what it runs and which service versions it holds (anti-entropy).</summary>
    public TimeSpan DigestInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>An address no service owns is not asked for again before this passes.</summary>
    public TimeSpan NotFoundHold { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>This node's tunnel public key and the salt of this process start (base64), sent with its registration and placements.</summary>
    public string? TunnelPublicKey { get; init; }
    public string? TunnelSalt { get; init; }

    /// <summary>RTT changes smaller than this do not recompile the table.</summary>
    public TimeSpan RttChangeThreshold { get; init; } = TimeSpan.FromMilliseconds(1);
}
