global using ClusterGroups.Contracts.Operations;
