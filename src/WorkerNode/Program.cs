using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.WorkerNode.Hosting;

var builder = Host.CreateApplicationBuilder(args);
try
{
    Oakestra.Actors.Contracts.Hosting.OakConfiguration.Validate(builder.Configuration);
}
catch (Oakestra.Actors.Contracts.Hosting.OakConfigurationException e)
{
    Console.Error.WriteLine($"oak worker: {e.Message}");
    return 2;
}
// Oak:Node:Runtime selects the instance host and data plane: `namespaces` (default: real network namespaces,
// processes, the TUN forwarding loop and the UDP tunnel; needs root) or `inert` (control plane only).
var runtime = builder.Configuration["Oak:Node:Runtime"] is { Length: > 0 } r ? r : "namespaces";
switch (runtime)
{
    case "namespaces":
        builder.Services.AddNamespaceRuntime(builder.Configuration);
        break;
    case "inert":
        break;
    default:
        Console.Error.WriteLine($"Oak:Node:Runtime '{runtime}' is unknown: use 'namespaces' or 'inert'");
        return 2;
}
builder.Services.AddWorkerNode(builder.Configuration);
await builder.Build().RunAsync();
return 0;
