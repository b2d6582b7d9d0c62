using System.Diagnostics;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>Runs a real program to completion (or a deadline) and captures its output.</summary>
public static class Proc
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
    }

    public static async Task<Result> RunAsync(string workDir, TimeSpan timeout, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            // A hung step must not hang the whole run: kill it and say so in the result.
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await p.WaitForExitAsync();
            return new Result(-1, await stdout, $"timed out after {timeout}: {file} {string.Join(' ', args)}\n{await stderr}");
        }
        return new Result(p.ExitCode, await stdout, await stderr);
    }
}
