using Oakestra.Actors.Tests.Shared;

namespace Oakestra.Actors.EndToEnd.Tests.Lab;

/// <summary>Programs a lab test needs besides root: missing ones skip the test here and fail it in CI, like <see cref="Requires"/>.</summary>
public static class LabTools
{
    public static void Require(params string[] programs)
    {
        Requires.RootWithNetns();
        var missing = programs.Where(p => !new[] { "/usr/bin", "/usr/sbin", "/bin", "/sbin" }.Any(d => File.Exists(Path.Combine(d, p)))).ToList();
        if (missing.Count == 0) return;
        var why = $"{string.Join(", ", missing)} not installed (.ci/install-prerequisites installs them)";
        if (Requires.InCi) Assert.Fail($"CI must run lab tests, but {why}.");
        Skip.If(true, why);
    }

    public static void RequirePostgresServer()
    {
        Require("runuser", "psql", "ss");
        if (Directory.Exists("/usr/lib/postgresql") && Directory.GetDirectories("/usr/lib/postgresql").Any(d => File.Exists(Path.Combine(d, "bin", "initdb")))) return;
        if (Requires.InCi) Assert.Fail("CI must run lab tests, but PostgreSQL's server (Debian package postgresql) is not installed.");
        Skip.If(true, "PostgreSQL's server (Debian package postgresql) is not installed");
    }
}
