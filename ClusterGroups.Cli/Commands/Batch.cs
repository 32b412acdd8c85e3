using ClusterGroups.Cli.Output;
using ClusterGroups.Client;
using Spectre.Console;

namespace ClusterGroups.Cli.Commands;

// Runs creates or deletes: one (its answer shown as is), or many with a progress bar and a summary.
public sealed class Batch(CliContext context, bool create, int parallel)
{
    public async Task<ExitCode> RunOneAsync(string groupId, CancellationToken ct)
    {
        // No answer at all (unreachable, timed out) is the command's failure: CommandRunner says it.
        var result = await SendAsync(groupId, ct);
        if (context.Json && CliContext.ParseJson(result.Answer?.Body ?? "") is null)
        {
            context.WriteJson(new { error = result.Message, exitCode = (int)result.Code, outcome = result.Code.ToString() });
        }
        else if (context.Json)
        {
            context.WriteJson(result.Answer!.Body);
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
            return await SendAsync(groupId, ct);
        }
        catch (ClusterGroupsException e)
        {
            return OperationResult.NotSent(groupId, CliErrors.From(e, context.KeyGiven));
        }
    }

    // One create or delete (POST / DELETE /v1/group/ with the seed's body): its report, or a refusal the Api answered.
    private async Task<OperationResult> SendAsync(string groupId, CancellationToken ct)
    {
        var capture = AnswerCapture.Open();
        try
        {
            var report = create
                ? await context.Client.CreateAsync(groupId, cancellationToken: ct)
                : await context.Client.DeleteAsync(groupId, cancellationToken: ct);
            return OperationResult.From(groupId, report, capture.Answer);
        }
        catch (ClusterGroupsException e) when (capture.Answer is not null)
        {
            return OperationResult.From(groupId, e, capture.Answer, context.KeyGiven);
        }
    }
}
