using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.ClusterOrchestrator.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddOrchestrator(builder.Configuration);
await builder.Build().RunAsync();
return 0;
