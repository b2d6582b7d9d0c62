using Oakestra.Actors.Cli.Parsing;

namespace Oakestra.Actors.Cli.Commands;

public static class Usage
{
    public const string Text = """
        oak — the Oakestra.Actors command line

        usage: oak [--root URL] [--json] <command> [args]

          deploy <sla.json>                    create the SLA's services and one instance each (one per direct constraint)
          services                             list services with their Service IPs
          service <id>                         one service: Service IPs and instances
          scale <service> <count> [--node X]   add or remove instances to reach <count>
          undeploy <service|instance>          remove a service (and its instances) or one instance
          migrate <instance> --to <node>       move an instance (make-before-break)
          nodes                                list worker nodes
          table <node>                         a worker's route table and counters
          exec <instance> -- <cmd...>          run a command inside the instance's network namespace
          lab up [--workers N] [--sites M] [--demo] [--timeout S] [--no-build]
          lab down                             stop the lab and remove its namespaces, bridge and runtime files
          lab place <node> <lat> <lon>         move a worker on the map (for Closest)

        The root is --root, else $OAK_ROOT, else .lab/env (written by `oak lab up`), else http://127.0.0.1:10000.
        Exit codes: 0 ok, 1 failure (one line on stderr), 2 wrong usage.
        """;

    public static IReadOnlyList<string> Positionals(ParsedArgs a, int skip, int count, string usage)
    {
        var rest = a.Positionals.Skip(skip).ToList();
        if (rest.Count != count) throw new UsageException($"usage: oak {usage}");
        return rest;
    }
}
