using static ClusterGroups.Simulation.Keyspace.CommandArgs;

namespace ClusterGroups.Simulation.Keyspace;

internal static class SortedSetCommands
{
    public static readonly CommandSpec[] All =
    [
        new("zadd", -4, ZAdd),
        new("zrem", -3, ZRem),
        new("zscore", 3, ZScore),
        new("zcard", 2, (k, a) => Reply.Integer(k.Find<SortedSetTable>(a[1])?.Count ?? 0)),
        new("zrange", -4, (k, a) => ZRange(k, a, reverse: null, byScore: false)),
        new("zrevrange", -4, (k, a) => ZRange(k, a, reverse: true, byScore: false)),
        new("zrangebyscore", -4, (k, a) => ZRange(k, a, reverse: false, byScore: true)),
        new("zrevrangebyscore", -4, (k, a) => ZRange(k, a, reverse: true, byScore: true)),
        new("zremrangebyrank", 4, ZRemRangeByRank),
        new("zremrangebyscore", 4, ZRemRangeByScore),
    ];

    // ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]: the members added (with CH: added or
    // changed); with INCR the new score, or nil when a condition refused it. Every score is read before anything is
    // written; XX on a missing key creates nothing.
    private static Reply ZAdd(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        bool nx = false, xx = false, ch = false, incr = false, gt = false, lt = false;
        var at = 2;
        for (; at < args.Count; at++)
        {
            if (Is(args[at], "NX")) nx = true;
            else if (Is(args[at], "XX")) xx = true;
            else if (Is(args[at], "CH")) ch = true;
            else if (Is(args[at], "INCR")) incr = true;
            else if (Is(args[at], "GT")) gt = true;
            else if (Is(args[at], "LT")) lt = true;
            else break;
        }

        var pairs = args.Count - at;
        if (pairs == 0 || pairs % 2 != 0)
        {
            return new ErrorReply(RedisErrors.Syntax);
        }

        if (nx && xx)
        {
            return new ErrorReply("ERR XX and NX options at the same time are not compatible");
        }

        if ((gt && nx) || (lt && nx) || (gt && lt))
        {
            return new ErrorReply("ERR GT, LT, and/or NX options at the same time are not compatible");
        }

        if (incr && pairs > 2)
        {
            return new ErrorReply("ERR INCR option supports a single increment-element pair");
        }

        var scores = Enumerable.Range(0, pairs / 2).Select(i => Double(args[at + i * 2])).ToList();
        var zset = keyspace.Find<SortedSetTable>(args[1]);
        if (zset is null)
        {
            if (xx)
            {
                return incr ? Reply.Nil : Reply.Zero;
            }

            zset = keyspace.FindOrAdd<SortedSetTable>(args[1]);
        }

        int added = 0, changed = 0;
        double? last = null;
        for (var i = 0; i < scores.Count; i++)
        {
            var member = args[at + i * 2 + 1];
            var score = scores[i];
            if (zset.TryGetScore(member, out var current))
            {
                if (nx)
                {
                    continue;
                }

                if (incr)
                {
                    score += current;
                    if (double.IsNaN(score))
                    {
                        return new ErrorReply("ERR resulting score is not a number (NaN)");
                    }
                }

                if ((gt && score <= current) || (lt && score >= current))
                {
                    continue;
                }

                if (score != current)
                {
                    zset.Set(member, score);
                    changed++;
                }
            }
            else
            {
                if (xx)
                {
                    continue;
                }

                zset.Set(member, score);
                added++;
            }

            last = score;
        }

        if (incr)
        {
            return last is { } value ? Reply.Bulk(RedisNumbers.FormatDouble(value)) : Reply.Nil;
        }

        return Reply.Integer(ch ? added + changed : added);
    }

    private static Reply ZRem(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        Reply.Integer(keyspace.RemoveMembers<SortedSetTable>(args[1], args.Skip(2), (zset, member) => zset.Remove(member), zset => zset.Count));

    private static Reply ZScore(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        keyspace.Find<SortedSetTable>(args[1]) is { } zset && zset.TryGetScore(args[2], out var score)
            ? Reply.Bulk(RedisNumbers.FormatDouble(score))
            : Reply.Nil;

    // ZRANGE key start stop [BYSCORE] [REV] [LIMIT offset count] [WITHSCORES], and the older ZREVRANGE,
    // ZRANGEBYSCORE, ZREVRANGEBYSCORE (reverse set by the name: no REV option; BYSCORE by the name). By score the
    // range is given min max (max min when reversed); '(' makes a bound exclusive. LIMIT only by score: a negative
    // offset gives nothing, a negative count everything from the offset. WITHSCORES: member, score, member, ...
    private static Reply ZRange(RedisKeyspace keyspace, IReadOnlyList<string> args, bool? reverse, bool byScore)
    {
        var withScores = false;
        var rev = reverse ?? false;
        long offset = 0, limit = -1;
        var hasLimit = false;
        for (var i = 4; i < args.Count; i++)
        {
            if (Is(args[i], "WITHSCORES")) withScores = true;
            else if (Is(args[i], "LIMIT") && i + 2 < args.Count)
            {
                (offset, limit, hasLimit) = (Long(args[i + 1]), Long(args[i + 2]), true);
                i += 2;
            }
            else if (reverse is null && Is(args[i], "REV")) rev = true;
            else if (reverse is null && !byScore && Is(args[i], "BYSCORE")) byScore = true;
            else if (reverse is null && Is(args[i], "BYLEX")) return new ErrorReply("ERR BYLEX is not supported by the in-process store");
            else return new ErrorReply(RedisErrors.Syntax);
        }

        if (hasLimit && limit != -1 && !byScore)
        {
            return new ErrorReply("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        }

        IEnumerable<(string Member, double Score)> range;
        if (byScore)
        {
            var (minText, maxText) = rev ? (args[3], args[2]) : (args[2], args[3]);
            if (!ScoreBound.TryParse(minText, out var min) || !ScoreBound.TryParse(maxText, out var max))
            {
                return new ErrorReply(RedisErrors.MinMaxNotFloat);
            }

            if (keyspace.Find<SortedSetTable>(args[1]) is not { } zset)
            {
                return Reply.EmptyArray;
            }

            range = offset < 0 ? [] : zset.ByScore(min, max, rev).Skip((int)Math.Min(offset, int.MaxValue));
            if (limit >= 0)
            {
                range = range.Take((int)Math.Min(limit, int.MaxValue));
            }
        }
        else
        {
            var (start, stop) = (Long(args[2]), Long(args[3]));
            if (keyspace.Find<SortedSetTable>(args[1]) is not { } zset || Ranks(start, stop, zset.Count) is not { } ranks)
            {
                return Reply.EmptyArray;
            }

            range = (rev ? zset.Descending : zset.Ascending).Skip(ranks.Start).Take(ranks.Stop - ranks.Start + 1);
        }

        return Reply.Bulks(range.SelectMany(e => withScores ? new[] { e.Member, RedisNumbers.FormatDouble(e.Score) } : [e.Member]));
    }

    private static Reply ZRemRangeByRank(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        var (start, stop) = (Long(args[2]), Long(args[3]));
        if (keyspace.Find<SortedSetTable>(args[1]) is not { } zset || Ranks(start, stop, zset.Count) is not { } ranks)
        {
            return Reply.Zero;
        }

        return Remove(keyspace, args[1], zset, [.. zset.Ascending.Skip(ranks.Start).Take(ranks.Stop - ranks.Start + 1)]);
    }

    private static Reply ZRemRangeByScore(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        if (!ScoreBound.TryParse(args[2], out var min) || !ScoreBound.TryParse(args[3], out var max))
        {
            return new ErrorReply(RedisErrors.MinMaxNotFloat);
        }

        return keyspace.Find<SortedSetTable>(args[1]) is { } zset
            ? Remove(keyspace, args[1], zset, [.. zset.ByScore(min, max, descending: false)])
            : Reply.Zero;
    }

    private static Reply Remove(RedisKeyspace keyspace, string key, SortedSetTable zset, List<(string Member, double Score)> members)
    {
        foreach (var (member, _) in members)
        {
            zset.Remove(member);
        }

        keyspace.DeleteIfEmpty(key, zset.Count);
        return Reply.Integer(members.Count);
    }
}
