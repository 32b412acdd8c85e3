using StackExchange.Redis;

namespace ClusterGroups.Tests.Infrastructure;

public static class StoreConnection
{
    private static readonly TimeSpan Attempt = TimeSpan.FromSeconds(15);

    /// <summary>The test's own connection to a store that may still be recovering (it listens once it has replayed
    /// its append-only file), made once the store answers.</summary>
    public static async Task<ConnectionMultiplexer> WhenAnsweringAsync(string connectionString, string store, TimeSpan? within = null)
    {
        ConnectionMultiplexer? connection = null;
        await Wait.UntilAsync(async () =>
        {
            try
            {
                connection = await ConnectionMultiplexer.ConnectAsync($"{connectionString},syncTimeout=30000,asyncTimeout=30000")
                    .WaitAsync(Attempt);
                await connection.GetDatabase().PingAsync().WaitAsync(Attempt);
                return true;
            }
            catch (Exception e) when (e is RedisConnectionException or TimeoutException
                                      || (e is RedisServerException && e.Message.StartsWith("LOADING", StringComparison.Ordinal)))
            {
                // Not listening yet (a loaded machine can take a minute to start one), or (redis) listening but still
                // loading its append-only file.
                connection?.Dispose();
                return false;
            }
        }, within ?? Wait.AppStart, $"{store} answers");
        return connection!;
    }
}
