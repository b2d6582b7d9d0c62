using Oakestra.Actors.Contracts.Messaging;

namespace Oakestra.Actors.Contracts.Protocol;

// `oak logs <instance>`: root → the orchestrator of the instance's site → the worker that ran it, request/response
// like `oak table`. Follow is the root asking again from the last NextOffset: each answer is one bounded chunk, so
// no message comes near Akka's frame limit and a lost answer costs one poll, not a stream.

/// <summary>
/// Root → orchestrator → worker: the instance's output (stdout and stderr, as the worker's log file holds it) from
/// byte <see cref="Offset"/>, at most <see cref="MaxBytes"/>. <see cref="TailLines"/> set: the last that many lines
/// instead (ignoring <see cref="Offset"/>), so a first read costs one chunk however long the log is.
/// </summary>
public sealed record ReadInstanceLog(string Site, string Node, string InstanceId, long Offset, int? TailLines, int MaxBytes) : IClusterMessage
{
    /// <summary>What one chunk may carry: far under the 128,000-byte frame even with every character escaped.</summary>
    public const int MaxChunkBytes = 32 * 1024;
}

/// <summary>
/// Worker → asker: <see cref="Text"/> is the log from byte <see cref="Offset"/> to <see cref="NextOffset"/> (cut at a
/// line end when one is in the chunk, never inside a UTF-8 character). <see cref="Length"/>: the log's size now
/// (more to read when NextOffset is smaller). <see cref="Restarted"/>: the asked offset lay beyond the log (it was
/// rotated or truncated), so this chunk starts again at its beginning. <see cref="Running"/>: the instance still runs
/// on that worker (a follower keeps polling).
/// </summary>
public sealed record InstanceLogChunk(
    string InstanceId, long Offset, long NextOffset, long Length, string Text, bool Restarted, bool Running) : IClusterMessage;

/// <summary>Orchestrator or worker → asker: no log can be read there (unknown instance, worker down); one line for the user.</summary>
public sealed record InstanceLogUnavailable(string InstanceId, string Reason) : IClusterMessage;
