global using ClusterGroups.Api.Cluster;
global using ClusterGroups.Api.Groups;
global using ClusterGroups.Api.Operations;
global using ClusterGroups.Contracts.Operations;
global using ClusterGroups.Api.Maintenance;
global using ClusterGroups.Api.Upgrades;
global using ClusterGroups.Api.Security;
