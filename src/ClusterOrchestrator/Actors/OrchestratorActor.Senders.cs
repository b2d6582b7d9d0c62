using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

// Sender checks (SiteSenders holds the rules): a refused message is dropped, logged once per kind and sender, counted.
public sealed partial class OrchestratorActor
{
    private readonly SenderRefusals _refusals = new();

    /// <summary>Whether <paramref name="reason"/> refuses the message being handled (then it is counted and dropped).</summary>
    private bool Refused(string? reason, object message)
    {
        if (reason is null) return false;
        _refusals.Refuse(message, Sender, reason, _log);
        return true;
    }
}
