var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseApiPipeline();
app.MapDefaultEndpoints();
app.MapApiDocumentation();
app.MapOperationsConsole();
app.MapClusterApi();
app.MapMaintenanceApi();
app.MapUpgradesApi();
app.MapCallerApi();
app.MapGroupsApi();
app.MapOperationsApi();

app.Run();
