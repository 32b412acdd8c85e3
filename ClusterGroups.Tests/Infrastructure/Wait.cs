namespace ClusterGroups.Tests.Infrastructure;

// Every wait in a test is bounded: a broken resource fails the test instead of hanging CI.
public static class Wait
{
    public static readonly TimeSpan AppStart = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan Resource = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan Request = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0}s waiting for: {what}");
            }
        }
    }
}
