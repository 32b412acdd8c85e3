using ClusterGroups.Node.Chaos;
using ClusterGroups.Node.Groups;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNodeServices();

var app = builder.Build();

app.UseNodePipeline();
app.MapDefaultEndpoints();
app.MapNodeInfo();
app.MapGroupsApi();
app.MapDigestApi();
app.MapBulkAdmin();
app.MapWriteCountsAdmin();
app.MapChaosAdmin();

app.Run();
