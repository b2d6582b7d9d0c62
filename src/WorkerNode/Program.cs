using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.WorkerNode.Hosting;

var builder = Host.CreateApplicationBuilder(args);
// Oak:Node:Runtime selects the instance host and data plane: only `inert` (control plane only) is wired
// in this build; the namespace runtime and the forwarding loop register their IInstanceHost/IDataPlane here.
var runtime = builder.Configuration["Oak:Node:Runtime"] is { Length: > 0 } r ? r : "inert";
if (runtime != "inert")
{
    Console.Error.WriteLine($"Oak:Node:Runtime '{runtime}' is not available in this build (only 'inert')");
    return 2;
}
builder.Services.AddWorkerNode(builder.Configuration);
await builder.Build().RunAsync();
return 0;
