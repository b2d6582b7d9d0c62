using System.Diagnostics;

namespace Oakestra.Actors.DataPlane.Tests.Io;

/// <summary>A network namespace created for one test (name prefix oakt-io- unless given whole) and removed on Dispose, also after failures.</summary>
internal sealed class Netns : IDisposable
{
    public const string Prefix = "oakt-io-";

    private Netns(string name) => Name = name;

    public string Name { get; }

    public static Netns Create(string suffix) => Named(Prefix + suffix);

    public static Netns Named(string name)
    {
        Shell.TryRun("ip", $"netns delete {name}"); // leftover of a killed run
        Shell.Run("ip", $"netns add {name}");
        var ns = new Netns(name);
        try
        {
            ns.Ip("link set lo up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    public void Ip(string args) => Shell.Run("ip", $"-n {Name} {args}");

    public void Sysctl(string key, string value) => Shell.Run("ip", $"netns exec {Name} sysctl -qw {key}={value}");

    public void Dispose() => Shell.TryRun("ip", $"netns delete {Name}");

    public static bool Exists(string name) => File.Exists("/var/run/netns/" + name);
}

internal static class Shell
{
    public static string Run(string file, string args)
    {
        var (code, output) = TryRun(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {args} exited {code}: {output}");
        return output;
    }

    public static (int Code, string Output) TryRun(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}
