using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;
using Oakestra.Actors.Contracts.Routing;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

// `oak logs`: one chunk of an instance's output, asked of the worker that ran it and relayed to the asker, like `oak table`.
public sealed partial class OrchestratorActor
{
    private static readonly TimeSpan LogReadTimeout = TimeSpan.FromSeconds(4);

    private void OnReadLog(ReadInstanceLog msg)
    {
        var w = msg.Site == Site ? _workers.Get(msg.Node) : null;
        string? refusal = msg.Site != Site ? $"this is the orchestrator of site {Site}, not {msg.Site}"
            : w is null ? $"node {msg.Node} is not registered at the orchestrator of site {Site}"
            : w.State != WorkerState.Up ? $"node {msg.Node} of site {Site} is {w.State.ToString().ToLowerInvariant()}: the log of {msg.InstanceId} is there"
            : null;
        if (refusal is not null)
        {
            Sender.Tell(new InstanceLogUnavailable(msg.InstanceId, refusal));
            return;
        }
        // Never more than a chunk the frame can carry, whatever the asker wants.
        var bounded = msg with { MaxBytes = Math.Clamp(msg.MaxBytes, 1, ReadInstanceLog.MaxChunkBytes) };
        w!.Ref.Ask<object>(bounded, LogReadTimeout).PipeTo(Sender,
            failure: _ => new InstanceLogUnavailable(msg.InstanceId, $"node {msg.Node} of site {Site} did not answer within {LogReadTimeout.TotalSeconds:0} s"));
    }
}
