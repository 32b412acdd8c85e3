using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Tests.Coordinator;

// Group commit (ICoordinatorBatch) asked of every coordinator: each write of a batch is checked and answered on its own
// exactly as its single call, and sees what the writes before it in the batch did. The Redis coordinator runs these as
// one CoordinatorScripts.Batch (on Garnet, and on the simulator's keyspace with declared keys only); the in-memory and
// PostgreSQL ones answer a batch one write after another.
public abstract partial class CoordinatorConformance
{
    private Task<IReadOnlyList<CoordinatorAnswer>> CommitAsync(params CoordinatorWrite[] writes) =>
        ((ICoordinatorBatch)Coordinator).CommitAsync(writes, CancellationToken.None);

    private static CoordinatorWrite.Start StartOf(OperationState op, string owner, long token)
    {
        op.Lease(owner, token, DateTimeOffset.UtcNow);
        return new CoordinatorWrite.Start(new LeaseRequest(op.GroupId, owner, token, Lease), op);
    }

    [SkippableFact]
    public async Task A_batch_of_starts_answers_each_as_alone_the_same_group_twice_and_a_keyed_duplicate()
    {
        var (g, other, key) = (NewGroup(), NewGroup(), NewKey());
        var (first, second, third) = (await NewOperation(g), await NewOperation(g), await NewOperation(other, key: key));
        var again = await NewOperation(NewGroup(), OperationKind.Delete, key);

        var answers = await CommitAsync(
            StartOf(first, "a", Token(1)), StartOf(second, "b", Token(2)), StartOf(third, "c", Token(1)), StartOf(again, "d", Token(1)));

        // The same group twice: the first takes the lease and begins, the second finds it busy and begins nothing.
        Assert.Equal(new LeaseAnswer.Taken(null, false, Begun: true), answers[0].Get());
        Assert.IsType<LeaseAnswer.Busy>(answers[1].Get());
        // Another group beside them begins, and a later write of the batch with its key is told which operation holds it.
        Assert.Equal(new LeaseAnswer.Taken(null, false, Begun: true), answers[2].Get());
        Assert.Equal(KeyedTo(third), answers[3].Get());

        Assert.Equal(first.Id, (await Coordinator.LastForGroupAsync(g, CancellationToken.None))?.Id);
        Assert.Null(await Coordinator.GetAsync(second.Id, CancellationToken.None));
        Assert.Null(await Coordinator.GetAsync(again.Id, CancellationToken.None));
        Assert.Equal(third.Id, (await Coordinator.LastForGroupAsync(other, CancellationToken.None))?.Id);
        // The busy start raised no token: a lease just above the first one's is still taken.
        await Coordinator.ReleaseAsync(g, "a", CancellationToken.None);
        Assert.IsType<LeaseAnswer.Taken>(await AcquireAsync(g, "e", Token(2)));
    }

    [SkippableFact]
    public async Task A_fenced_write_in_a_batch_is_refused_alone_and_the_good_one_beside_it_is_written()
    {
        var (stale, good) = (await NewOperation(NewGroup()), await NewOperation(NewGroup()));
        await AcquireAsync(stale.GroupId, "a", Token(1), stale);
        await AcquireAsync(good.GroupId, "a", Token(1), good);
        await Coordinator.ReleaseAsync(stale.GroupId, "a", CancellationToken.None);
        Assert.IsType<LeaseAnswer.Taken>(await AcquireAsync(stale.GroupId, "b", Token(2)));

        stale.Node("n1")!.Learn(NodeEffect.Applied);
        good.Node("n1")!.Learn(NodeEffect.Applied);
        good.Node("n2")!.Learn(NodeEffect.Applied);
        Assert.True(good.Decide());
        good.Answered(DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(3));
        var answers = await CommitAsync(new CoordinatorWrite.Save(stale), new CoordinatorWrite.Close(good, "a"));

        Assert.IsType<CoordinatorFencedException>(answers[0].Error);
        Assert.Null(answers[1].Error);
        Assert.Equal(NodeEffect.Unknown, (await Coordinator.GetAsync(stale.Id, CancellationToken.None))?.Node("n1")?.Effect);
        Assert.Equal(Outcome.Committed, (await Coordinator.GetAsync(good.Id, CancellationToken.None))?.Outcome);
        Assert.Equal(new DesiredGroup(true, good.Id), (await Coordinator.GetDesiredAsync([good.GroupId], CancellationToken.None))[good.GroupId]);
        Assert.IsType<LeaseAnswer.Taken>(await AcquireAsync(good.GroupId, "c", Token(3)));
    }

    [SkippableFact]
    public async Task A_close_and_the_next_start_of_its_group_in_one_batch_run_in_order_and_another_epoch_is_refused_alone()
    {
        var g = NewGroup();
        var (closing, next) = (await NewOperation(g), await NewOperation(g, OperationKind.Delete));
        await AcquireAsync(g, "a", Token(1), closing);
        closing.Node("n1")!.Learn(NodeEffect.NotApplied);
        closing.Node("n2")!.Learn(NodeEffect.NotApplied);
        closing.Decide();
        closing.Settle();
        var recorded = await NewOperation(NewGroup());
        var elsewhere = new OperationState(new Operation($"op-{Guid.NewGuid():N}", OperationKind.Create, NewGroup()),
            [new NodeProgress("n1")], caller: "tester") { Epoch = recorded.Epoch + 7 };
        var keyless = await NewOperation(NewGroup());

        var answers = await CommitAsync(
            new CoordinatorWrite.Close(closing, "a"), StartOf(next, "b", Token(2)), StartOf(elsewhere, "c", Token(1)), StartOf(keyless, "d", Token(1)));

        // The close freed the lease and closed the entry before the start ran: the start begins after it.
        Assert.Null(answers[0].Error);
        Assert.Equal(new LeaseAnswer.Taken(closing.Id, LastOpen: false, Begun: true), answers[1].Get());
        var refused = Assert.IsType<MembershipChangedException>(answers[2].Error);
        Assert.Equal(elsewhere.Epoch, refused.Planned);
        Assert.Null(await Coordinator.LastForGroupAsync(elsewhere.GroupId, CancellationToken.None));
        Assert.Equal(new LeaseAnswer.Taken(null, false, Begun: true), answers[3].Get());
        Assert.Equal(Outcome.RolledBack, (await Coordinator.GetAsync(closing.Id, CancellationToken.None))?.Outcome);
        Assert.Equal(next.Id, (await Coordinator.LastForGroupAsync(g, CancellationToken.None))?.Id);
    }
}
