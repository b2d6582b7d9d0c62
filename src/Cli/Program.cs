using Oakestra.Actors.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
try
{
    return await CliApp.RunAsync(args, CliContext.FromProcess(), cancel.Token);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("oak: interrupted");
    return 130;
}
