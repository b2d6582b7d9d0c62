using System.Diagnostics;
using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>Runs a program with an argument vector (no shell parsing) and captures what it printed.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public bool Ok => ExitCode == 0;
    }

    public static Result Run(string file, params string[] args) => Run(file, args, input: null);

    /// <summary>Like <see cref="Run(string, string[])"/>, with <paramref name="input"/> written to the program's stdin.</summary>
    public static Result Run(string file, IReadOnlyList<string> args, string? input)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new CliFailure($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CliFailure($"could not start {file}: {e.Message}");
        }
        using (p)
        {
            if (input is not null) p.StandardInput.Write(input);
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            return new Result(p.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>Like <see cref="Run"/> but a non-zero exit is a failure naming the command and its stderr.</summary>
    public static string Check(string file, params string[] args)
    {
        var r = Run(file, args);
        if (!r.Ok) throw new CliFailure($"`{file} {string.Join(' ', args)}` failed: {r.Stderr.Trim()}");
        return r.Stdout;
    }

    /// <summary>Runs with the caller's stdin/stdout/stderr (for `oak exec`), returning the exit code.</summary>
    public static int Interactive(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi) ?? throw new CliFailure($"could not start {file}");
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CliFailure($"could not start {file}: {e.Message}");
        }
    }

    /// <summary>Single-quotes a word for /bin/sh.</summary>
    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static bool IsRoot => Native.geteuid() == 0;
}

internal static class Native
{
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    internal static extern uint geteuid();

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    internal static extern int kill(int pid, int sig);

    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;
}
