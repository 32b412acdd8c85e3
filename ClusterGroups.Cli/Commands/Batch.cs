using ClusterGroups.Cli.Output;
using Spectre.Console;

namespace ClusterGroups.Cli.Commands;

// Runs creates or deletes: one (its answer shown as is), or many with a progress bar and a summary.
public sealed class Batch(CliContext context, bool create, int parallel)
{
    private HttpMethod Method => create ? HttpMethod.Post : HttpMethod.Delete;

    public async Task<ExitCode> RunOneAsync(string groupId, CancellationToken ct)
    {
        var answer = await context.Api.WriteGroupAsync(Method, groupId, ct);
        var result = OperationResult.From(groupId, answer, create, context.Api.KeyGiven);
        if (context.Json && CliContext.ParseJson(answer.Body) is null)
        {
            context.WriteJson(new { error = result.Message, exitCode = (int)result.Code, outcome = result.Code.ToString() });
        }
        else if (context.Json)
        {
            context.WriteJson(answer.Body);
        }

        OperationView.Write(context, result, verbose: context.Verbose);
        return result.Code;
    }

    public async Task<ExitCode> RunManyAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        var results = new OperationResult[ids.Count];
        if (context.Json)
        {
            await RunAllAsync(ids, results, () => { }, ct);
            BatchView.WriteJson(context, create, results);
        }
        else
        {
            await context.Out.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"{(create ? "create" : "delete")} {ids.Count} groups", maxValue: ids.Count);
                    await RunAllAsync(ids, results, () => task.Increment(1), ct);
                });
            BatchView.Write(context, create, results);
        }

        return ExitCodes.Worst(results.Select(r => r.Code));
    }

    // Ids run `parallel` at a time. Once the Api is found unreachable or refuses the key, the rest are not sent.
    private async Task RunAllAsync(IReadOnlyList<string> ids, OperationResult[] results, Action step, CancellationToken ct)
    {
        CliException? stop = null;
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct },
            async (i, token) =>
            {
                if (Volatile.Read(ref stop) is { } reason)
                {
                    results[i] = OperationResult.NotSent(ids[i], new CliException(reason.Code, $"not sent: {reason.Message}"));
                }
                else
                {
                    results[i] = await RunOneQuietlyAsync(ids[i], token);
                    if (results[i] is { Answer: null, Code: ExitCode.Unreachable } or { Code: ExitCode.Unauthorized })
                    {
                        Interlocked.CompareExchange(ref stop, new CliException(results[i].Code, results[i].Message), null);
                    }
                }

                step();
            });
    }

    private async Task<OperationResult> RunOneQuietlyAsync(string groupId, CancellationToken ct)
    {
        try
        {
            var answer = await context.Api.WriteGroupAsync(Method, groupId, ct);
            return OperationResult.From(groupId, answer, create, context.Api.KeyGiven);
        }
        catch (CliException e)
        {
            return OperationResult.NotSent(groupId, e);
        }
    }
}
