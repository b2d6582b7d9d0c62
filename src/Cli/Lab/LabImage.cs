using System.Security.Cryptography;
using System.Text.Json;
using Oakestra.Actors.Cli.Api;

namespace Oakestra.Actors.Cli.Lab;

/// <summary>
/// Builds the demo app's container image from what this machine already has, nothing downloaded: the .NET runtime
/// the lab runs on, the built DemoApp, the shared libraries they load (found with ldd) and busybox for a shell. The
/// result is a docker-save archive (one layer) that <c>ctr images import</c> reads; about 90 MB, built in seconds.
/// </summary>
public static class LabImage
{
    /// <summary>What the demo SLA's container instances name (containerd stores it as docker.io/library/oak-demo:lab).</summary>
    public const string DemoTag = "oak-demo:lab";

    public const string AppDir = "/app";
    public const string DotnetDir = "/usr/share/dotnet";

    public static string Build(string demoDll, string archive, string tag = DemoTag)
    {
        var dotnet = Path.GetDirectoryName(Path.GetFullPath(Shell.Run("readlink", "-f", Which("dotnet")).Stdout.Trim()))!;
        var work = Directory.CreateTempSubdirectory("oak-image-");
        try
        {
            var root = Directory.CreateDirectory(Path.Combine(work.FullName, "rootfs")).FullName;
            var runtime = Directory.GetDirectories(Path.Combine(dotnet, "shared", "Microsoft.NETCore.App")).OrderBy(d => d, StringComparer.Ordinal).Last();
            Copy(Path.Combine(dotnet, "dotnet"), root);
            Copy(Path.Combine(dotnet, "host"), root);
            Copy(runtime, root);
            var app = Path.GetDirectoryName(Path.GetFullPath(demoDll))!;
            Run("cp", "-a", app + "/.", Directory.CreateDirectory(root + AppDir).FullName);
            var busybox = Which("busybox");
            Copy(busybox, root, "/bin/busybox");
            foreach (var applet in new[] { "sh", "cat", "echo", "ls", "sleep", "ps", "wget", "nc" })
                File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
            Directory.CreateDirectory(Path.Combine(root, "tmp"));
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            File.WriteAllText(Path.Combine(root, "etc", "passwd"), "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
            // What the runtime links and dlopens: ELF dependencies of every native library, and OpenSSL (SHA-256, TLS).
            var natives = new[] { Path.Combine(dotnet, "dotnet") }
                .Concat(Directory.EnumerateFiles(Path.Combine(dotnet, "host"), "*.so", SearchOption.AllDirectories))
                .Concat(Directory.EnumerateFiles(runtime, "*.so"))
                .Concat(new[] { "libssl.so.3", "libcrypto.so.3" }.Select(FindLibrary).OfType<string>());
            foreach (var library in natives.SelectMany(Dependencies).Distinct(StringComparer.Ordinal)) Copy(library, root);
            return Pack(root, work.FullName, archive, tag);
        }
        finally { work.Delete(recursive: true); }
    }

    /// <summary>One layer, its config (entrypoint: the demo app, serving on 8080) and the docker-save manifest.</summary>
    private static string Pack(string root, string work, string archive, string tag)
    {
        var layer = Path.Combine(work, "layer.tar");
        Run("tar", "--numeric-owner", "-C", root, "-cf", layer, ".");
        string diff;
        using (var stream = File.OpenRead(layer)) diff = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
        var config = new
        {
            architecture = "amd64",
            os = "linux",
            config = new
            {
                Env = new[] { "PATH=/bin:" + DotnetDir, "DOTNET_ROOT=" + DotnetDir, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1" },
                Entrypoint = new[] { DotnetDir + "/dotnet", AppDir + "/Oakestra.Actors.DemoApp.dll" },
                Cmd = new[] { "serve", "--port", "8080" },
                WorkingDir = AppDir,
            },
            rootfs = new { type = "layers", diff_ids = new[] { diff } },
        };
        File.WriteAllText(Path.Combine(work, "config.json"), JsonSerializer.Serialize(config));
        File.WriteAllText(Path.Combine(work, "manifest.json"), JsonSerializer.Serialize(new[] { new { Config = "config.json", RepoTags = new[] { tag }, Layers = new[] { "layer.tar" } } }));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(archive))!);
        Run("tar", "-C", work, "-cf", Path.GetFullPath(archive), "manifest.json", "config.json", "layer.tar");
        return archive;
    }

    /// <summary>The library files a binary loads, by ldd (the loader included), resolved through symlinks.</summary>
    private static IEnumerable<string> Dependencies(string binary)
    {
        yield return binary;
        var r = Shell.Run("ldd", binary);
        if (!r.Ok) yield break;
        foreach (var line in r.Stdout.Split('\n'))
        {
            var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var path = parts.FirstOrDefault(p => p.StartsWith('/'));
            if (path is not null && File.Exists(path)) yield return path;
        }
    }

    private static string? FindLibrary(string name) =>
        new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" }.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Copies a host file or directory to the same path under root (or to <paramref name="target"/>),
    /// following a file's symlinks and also keeping the name it was found under.</summary>
    private static void Copy(string source, string root, string? target = null)
    {
        var to = root + (target ?? source);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        if (Directory.Exists(source)) { Run("cp", "-a", source + "/.", Directory.CreateDirectory(to).FullName); return; }
        if (!File.Exists(to)) File.Copy(Path.GetFullPath(Shell.Run("readlink", "-f", source).Stdout.Trim()), to);
    }

    private static string Which(string program)
    {
        var r = Shell.Run("sh", "-c", $"command -v {program}");
        return r.Ok ? r.Stdout.Trim() : throw new CliFailure($"{program} is not installed (the lab's container image is built from it)");
    }

    private static void Run(string file, params string[] args)
    {
        var r = Shell.Run(file, args);
        if (!r.Ok) throw new CliFailure($"{file} {string.Join(' ', args)} failed: {r.Stderr.Trim()}");
    }
}
