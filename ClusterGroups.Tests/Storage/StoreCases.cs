namespace ClusterGroups.Tests.Storage;

// Every conformance case, by name.
public static class StoreCases
{
    public static readonly IReadOnlyDictionary<string, StoreCase> All =
        CommandCases.All.Concat(LuaCases.All).Concat(NodeScriptCases.All).Concat(CoordinatorScriptCases.All)
            .ToDictionary(c => c.Name, StringComparer.Ordinal);

    public static TheoryData<string> Names => [.. All.Keys];
}
