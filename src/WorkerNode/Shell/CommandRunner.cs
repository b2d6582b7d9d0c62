using System.Diagnostics;

namespace Oakestra.Actors.WorkerNode.Shell;

/// <summary>
/// Runs commands with <see cref="ProcessStartInfo.ArgumentList"/>, capturing stdout and stderr, with a timeout.
/// An optional prefix (e.g. <c>ip netns exec node</c> or <c>nsenter …</c>) moves every command into another
/// namespace context without the caller knowing.
/// </summary>
public sealed class CommandRunner : ICommandRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public CommandRunner(IReadOnlyList<string>? prefix = null, TimeSpan? timeout = null)
    {
        Prefix = prefix?.ToArray() ?? [];
        Timeout = timeout ?? DefaultTimeout;
    }

    public IReadOnlyList<string> Prefix { get; }

    public TimeSpan Timeout { get; }

    public IReadOnlyList<string> Resolve(IReadOnlyList<string> command) =>
        Prefix.Count == 0 ? command : [.. Prefix, .. command];

    public async Task<CommandResult> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded) throw new CommandFailedException(result.Command, result.ExitCode, result.StandardError);
        return result;
    }

    public async Task<CommandResult> TryRunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        if (command.Count == 0) throw new ArgumentException("empty command", nameof(command));
        var full = Resolve(command);
        var info = new ProcessStartInfo(full[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in full.Skip(1)) info.ArgumentList.Add(arg);

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandFailedException(full, null, e.Message, "could not be started");
        }
        // No command we run reads stdin; closing it makes any that tries fail fast instead of hanging.
        try { process.StandardInput.Close(); } catch (IOException) { } // already exited
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            string err;
            try { err = await stderr.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false); }
            catch (TimeoutException) { err = ""; } // a grandchild still holds the pipe

            cancellationToken.ThrowIfCancellationRequested();
            throw new CommandFailedException(full, null, err, $"timed out after {Timeout.TotalSeconds:0.#} s");
        }
        return new CommandResult(full, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
