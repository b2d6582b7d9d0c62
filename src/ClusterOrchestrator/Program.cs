using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Oakestra.Actors.ClusterOrchestrator.Hosting;

var builder = Host.CreateApplicationBuilder(args);
try
{
    Oakestra.Actors.Contracts.Hosting.OakConfiguration.Validate(builder.Configuration);
}
catch (Oakestra.Actors.Contracts.Hosting.OakConfigurationException e)
{
    Console.Error.WriteLine($"oak orchestrator: {e.Message}");
    return 2;
}
builder.Services.AddOrchestrator(builder.Configuration);
await builder.Build().RunAsync();
return 0;
