using Akka.Actor;
using Oakestra.Actors.Contracts.Protocol;

namespace Oakestra.Actors.ClusterOrchestrator.Actors;

// `oak logs`: one chunk of an instance's output, asked of the worker that ran it and relayed to the asker, like `oak table`.
public sealed partial class OrchestratorActor
{
    private static readonly TimeSpan LogReadTimeout = TimeSpan.FromSeconds(4);

    private void OnReadLog(ReadInstanceLog msg)
    {
        var (w, refusal) = UpWorker(msg.Site, msg.Node);
        if (refusal is not null)
        {
            Sender.Tell(new InstanceLogUnavailable(msg.InstanceId, $"{refusal}: the log of {msg.InstanceId} is there"));
            return;
        }
        // Never more than a chunk the frame can carry, whatever the asker wants.
        var bounded = msg with { MaxBytes = Math.Clamp(msg.MaxBytes, 1, ReadInstanceLog.MaxChunkBytes) };
        w!.Ref.Ask<object>(bounded, LogReadTimeout).PipeTo(Sender,
            failure: _ => new InstanceLogUnavailable(msg.InstanceId, $"node {msg.Node} of site {Site} did not answer within {LogReadTimeout.TotalSeconds:0} s"));
    }
}
