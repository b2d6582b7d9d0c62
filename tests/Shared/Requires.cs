namespace Oakestra.Actors.Tests.Shared;

/// <summary>
/// Gate for tests that need root and network namespaces. Outside CI they skip with the reason;
/// in CI (CI=true) a missing capability fails the test instead, because CI must run them.
/// </summary>
public static class Requires
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void RootWithNetns()
    {
        string? missing = null;
        if (!OperatingSystem.IsLinux()) missing = "not Linux";
        else if (Environment.UserName != "root" && geteuid() != 0) missing = "not running as root";
        else if (!File.Exists("/dev/net/tun")) missing = "/dev/net/tun is missing";
        else if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip")) missing = "iproute2 (ip) is not installed";
        if (missing is null) return;
        if (InCi) Assert.Fail($"CI must run namespace tests, but {missing}.");
        Skip.If(true, $"needs root and network namespaces: {missing}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint geteuid();
}
