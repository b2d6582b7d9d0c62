namespace Oakestra.Actors.WorkerNode.Runtime;

/// <summary>Streams of an <c>oak exec</c> session. A null stdin gives the command an immediately closed stdin.</summary>
public sealed record ExecStreams(Stream? StandardInput, Stream StandardOutput, Stream StandardError);
