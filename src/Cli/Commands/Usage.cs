using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Commands;

public static class Usage
{
    public const string Text = """
        oak — the Oakestra.Actors command line

        usage: oak [--root URL[,URL…]] [--token T] [--ca FILE] [--json] <command> [args]

          deploy <sla.json> [--idempotency-key K] [--retry-for S]
                                               create the SLA's services and one instance each (one per direct constraint);
                                               the same K again finishes an interrupted deployment, nothing twice; --retry-for:
                                               keep trying for S seconds while no root answers (a root restarting)
          addresses                            every Service IP and Instance IP held, and who holds it
          services                             list services with their Service IPs
          service <id>                         one service: Service IPs and instances
          scale <service> <count> [--node X]   add or remove instances to reach <count>
          undeploy <service|instance>          remove a service (and its instances) or one instance
          migrate <instance> --to <node>       move an instance (make-before-break)
          drain <node>                         move every instance off a node (make-before-break) and cordon it
          uncordon <node>                      let a drained node take placements again
          nodes                                list worker nodes (status, last heard)
          sites                                each site's link to the root tier
          table <node>                         a worker's route table and counters
          exec <instance> -- <cmd...>          run a command inside the instance's network namespace
          logs <instance> [-f] [--tail N]      an instance's output (also a container's), read from its worker through
                                               the root; -f/--follow keeps printing while it runs; --tail N: last N lines
          lab up [--workers N] [--sites M] [--roots R] [--demo] [--runtime process|container] [--timeout S] [--no-build]
                                               --runtime container: the demo's instances run as containers of an image built here
          lab image load <archive.tar>         import a docker or OCI archive into the lab's containerd (OAK_LAB_CONTAINERD)
          lab down                             stop the lab and remove its namespaces, bridge, database and runtime files
          lab status                           every lab process (pid, namespace, alive or how it ended) and the cuts
          lab kill <process> [--signal KILL|TERM]   signal one lab process (root, root2, o1, w1, …)
          lab start <process>                  start it again with its command line from lab up
          lab cut <a> <b>                      drop all traffic between two processes, or a site and root (every root)
          lab heal                             remove every cut
          lab place <node> <lat> <lon>         move a worker on the map (for Closest)

        The roots are --root, else $OAK_ROOT, else root = in ~/.config/oak/config ($OAK_CONFIG), else .lab/env
        (written by `oak lab up`), else http://127.0.0.1:10000; a comma-separated list is tried in turn when a root
        does not answer. The API token: --token, $OAK_TOKEN, token = in the config file, .lab/api-token. The CA an
        https root's certificate must chain to: --ca, $OAK_CA, ca = in the config file, .lab/tls/ca.pem (else the
        system's). $OAK_TIMEOUT: seconds per request (30).
        Exit codes: 0 ok, 1 failure (one line on stderr), 2 wrong usage.
        """;

    public static IReadOnlyList<string> Positionals(ParsedArgs a, int skip, int count, string usage)
    {
        var rest = a.Positionals.Skip(skip).ToList();
        if (rest.Count != count) throw new UsageException($"usage: oak {usage}");
        return rest;
    }
}
