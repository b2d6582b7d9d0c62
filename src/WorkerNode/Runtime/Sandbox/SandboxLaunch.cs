using System.Globalization;

namespace Oakestra.Actors.WorkerNode.Runtime.Sandbox;

/// <summary>
/// The argument vectors of a sandboxed process instance and of an exec into one. Everything before the privilege
/// drop runs as root with a fixed environment (PATH and OAK_NETNS only): the SLA's variables could otherwise steer
/// root's programs (LD_PRELOAD, PATH), so they are handed to <c>env -i</c> after <c>setpriv</c>.
/// </summary>
internal static class SandboxLaunch
{
    // $1 = log file, $2 = netns, $3 = the inner script, the rest its arguments. The `read` waits until the worker,
    // having moved this shell into the instance's cgroup, closes stdin: nothing runs outside the limits. umask 077:
    // the log is the worker's, not readable by other instances. setsid: a session of its own (see InstanceRuntime).
    // unshare forks the instance's PID 1 into fresh mount, PID and UTS namespaces, waits for it and exits with its
    // status (--kill-child: a SIGKILL to unshare, the process the worker watches and signals, takes the namespace
    // down with it). The watched pid therefore stays the one the node state file records.
    private const string OuterScript =
        "read -r _ || :; umask 077; exec </dev/null >>\"$1\" 2>&1; umask 022; n=$2 i=$3; shift 3; " +
        "exec setsid ip netns exec \"$n\" unshare --mount --pid --uts --fork --kill-child --mount-proc /bin/sh -c \"$i\" oak-sandbox \"$@\"";

    // PID 1 of the instance, still root inside its own namespaces: hostname, a private /tmp and /dev/shm, the
    // worker's folders hidden, then the code as the unprivileged user with only its own variables. This shell stays
    // as PID 1 (the code is not the last command, so sh forks it): the worker's SIGTERM reaches the code (a PID 1
    // without a handler would ignore it), and the shell exits with the code's status when the code ends.
    // --no-new-privs: no setuid bit or file capability raises anything after this. The bounding set stays full on
    // purpose: with it emptied the kernel refuses to exec binaries carrying file capabilities (ping: EPERM) instead
    // of running them without (ping then uses an ICMP socket, allowed by the namespace's ping_group_range).
    // $1 hostname, $2 uid, $3 gid, $4 code, $5 number of hidden folders, then those, then NAME=VALUE pairs.
    private const string InnerScript =
        "h=$1 u=$2 g=$3 c=$4 k=$5; shift 5; " +
        "printf %s \"$h\" > /proc/sys/kernel/hostname || exit 125; " +
        "mount -t tmpfs -o mode=1777,nosuid,nodev oak-tmp /tmp || exit 125; " +
        "if [ -d /dev/shm ]; then mount -t tmpfs -o mode=1777,nosuid,nodev oak-shm /dev/shm || exit 125; fi; " +
        "while [ \"$k\" -gt 0 ]; do if [ -d \"$1\" ]; then mount -t tmpfs -o ro,mode=755 oak-hidden \"$1\" || exit 125; fi; shift; k=$((k-1)); done; " +
        "cd / || exit 125; " +
        "setpriv --reuid=\"$u\" --regid=\"$g\" --clear-groups --inh-caps=-all --no-new-privs -- env -i -- \"$@\" /bin/sh -c \"$c\"; " +
        "exit $?";

    // $1 = number of cgroup.procs files, then those, then the command. Joining is best effort: the files are the
    // worker's view, which an exec through another mount namespace may lack.
    private const string ExecScript =
        "k=$1; shift; while [ \"$k\" -gt 0 ]; do echo $$ 2>/dev/null > \"$1\" || :; shift; k=$((k-1)); done; exec \"$@\"";

    public static IReadOnlyList<string> Launch(string logPath, string netns, string code, SandboxOptions sandbox,
        IReadOnlyList<string> hidden, IEnumerable<KeyValuePair<string, string>> environment) =>
        ["/bin/sh", "-c", OuterScript, "oak-instance", logPath, netns, InnerScript,
            Hostname(netns), Text(sandbox.Uid), Text(sandbox.Gid), code, Text(hidden.Count), .. hidden, .. Pairs(environment)];

    /// <summary>
    /// An exec into the instance: its cgroup, then (<c>nsenter</c> of its PID 1) its network, mount, UTS and PID
    /// namespaces, as its user with its environment. nsenter forks into the PID namespace and exits with the
    /// command's status.
    /// </summary>
    public static IReadOnlyList<string> Exec(int initPid, IReadOnlyCollection<string> cgroupProcs, SandboxOptions sandbox,
        IEnumerable<KeyValuePair<string, string>> environment, IReadOnlyList<string> command) =>
        ["/bin/sh", "-c", ExecScript, "oak-exec", Text(cgroupProcs.Count), .. cgroupProcs,
            "nsenter", $"--target={Text(initPid)}", "--net", "--mount", "--uts", "--pid", "--",
            "setpriv", $"--reuid={Text(sandbox.Uid)}", $"--regid={Text(sandbox.Gid)}", "--clear-groups", "--inh-caps=-all", "--no-new-privs", "--",
            "env", "-i", "--", .. Pairs(environment), .. command];

    /// <summary>
    /// The instance's variables: PATH and HOME (the SLA may set its own), the SLA's, then the OAK_* identity, which
    /// always wins. Names that cannot be an environment entry (empty, '=' or NUL inside) are left out.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Environment(SandboxOptions sandbox,
        IReadOnlyDictionary<string, string>? launch, IReadOnlyDictionary<string, string> identity)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = sandbox.Path, ["HOME"] = sandbox.Home };
        foreach (var (key, value) in launch ?? new Dictionary<string, string>())
            if (key.Length > 0 && !key.Contains('=') && !key.Contains('\0') && !value.Contains('\0')) variables[key] = value;
        foreach (var (key, value) in identity) variables[key] = value;
        return [.. variables];
    }

    private static IEnumerable<string> Pairs(IEnumerable<KeyValuePair<string, string>> environment) =>
        environment.Select(kv => $"{kv.Key}={kv.Value}");

    /// <summary>The instance's host name: its netns name, cut to the kernel's 64 characters.</summary>
    private static string Hostname(string netns) => netns.Length <= 64 ? netns : netns[..64];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
