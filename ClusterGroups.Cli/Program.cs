using ClusterGroups.Cli;

return await CliApp.RunAsync(args, CliHost.System());
