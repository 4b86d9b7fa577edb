using Spillway.Cli;

return await SpillwayCli.RunAsync(args);
