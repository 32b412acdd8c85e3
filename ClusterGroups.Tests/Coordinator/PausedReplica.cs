using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Coordinator;

// The journal as the paused-replica tests read it straight from the coordinator store.
public static class PausedReplica
{
    // The operation on the group as journaled, and the pid of its owner: "<machine>:<pid>:…" of the replica running it.
    public static async Task<(string OperationId, int Pid)> JournaledAsync(IDatabase journal, string groupId)
    {
        (string, int)? found = null;
        await Wait.UntilAsync(async () =>
        {
            foreach (var open in await journal.SetMembersAsync("cg:ops:open"))
            {
                var entry = await EntryAsync(journal, open.ToString());
                if (entry["groupId"]?.GetValue<string>() == groupId)
                {
                    found = (open.ToString(), int.Parse(entry["owner"]!.GetValue<string>().Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
                    return true;
                }
            }

            return false;
        }, Wait.Request, $"the create of {groupId} journaled");
        return found!.Value;
    }

    public static async Task<JsonNode> EntryAsync(IDatabase journal, string operationId) =>
        JsonNode.Parse((await journal.StringGetAsync($"cg:op:{operationId}")).ToString())!;
}
