namespace ClusterGroups.Simulation.Keyspace;

// A sorted set: members by score, equal scores by member (memcmp order, i.e. ordinal on ByteText), as Redis orders it.
internal sealed class SortedSetTable
{
    private readonly Dictionary<string, double> _scores;
    private readonly SortedSet<Scored> _order;

    public SortedSetTable()
    {
        _scores = new Dictionary<string, double>(StringComparer.Ordinal);
        _order = new SortedSet<Scored>(ScoredComparer.Instance);
    }

    private SortedSetTable(SortedSetTable copy)
    {
        _scores = new Dictionary<string, double>(copy._scores, StringComparer.Ordinal);
        _order = new SortedSet<Scored>(copy._order, ScoredComparer.Instance);
    }

    public SortedSetTable Clone() => new(this);

    public int Count => _scores.Count;

    public bool TryGetScore(string member, out double score) => _scores.TryGetValue(member, out score);

    // True when the member is new.
    public bool Set(string member, double score)
    {
        if (_scores.TryGetValue(member, out var old))
        {
            if (old.Equals(score))
            {
                return false;
            }

            _order.Remove(new Scored(old, member));
            _scores[member] = score;
            _order.Add(new Scored(score, member));
            return false;
        }

        _scores[member] = score;
        _order.Add(new Scored(score, member));
        return true;
    }

    public bool Remove(string member)
    {
        if (!_scores.Remove(member, out var score))
        {
            return false;
        }

        _order.Remove(new Scored(score, member));
        return true;
    }

    public IEnumerable<(string Member, double Score)> Ascending => _order.Select(s => (s.Member, s.Score));

    public IEnumerable<(string Member, double Score)> Descending => _order.Reverse().Select(s => (s.Member, s.Score));

    // The members whose score is within the bounds, lowest first (or highest first).
    public IEnumerable<(string Member, double Score)> ByScore(ScoreBound min, ScoreBound max, bool descending)
    {
        if (min.Value > max.Value || (min.Value == max.Value && (min.Exclusive || max.Exclusive)))
        {
            return [];
        }

        var view = _order.GetViewBetween(new Scored(min.Value, "", -1), new Scored(max.Value, "", 1));
        var inRange = (descending ? view.Reverse() : view)
            .Where(s => min.Admits(s.Score) && max.Admits(s.Score))
            .Select(s => (s.Member, s.Score));
        return inRange;
    }

    // Bound: -1 sorts before every member of its score, 1 after every one (GetViewBetween's ends); 0 a member.
    private readonly record struct Scored(double Score, string Member, int Bound = 0);

    private sealed class ScoredComparer : IComparer<Scored>
    {
        public static readonly ScoredComparer Instance = new();

        public int Compare(Scored x, Scored y)
        {
            var byScore = x.Score.CompareTo(y.Score);
            if (byScore != 0)
            {
                return byScore;
            }

            return x.Bound != y.Bound ? x.Bound.CompareTo(y.Bound) : string.CompareOrdinal(x.Member, y.Member);
        }
    }
}

// One end of a score range: "(5" excludes 5, "5" includes it, "-inf" / "+inf".
internal readonly record struct ScoreBound(double Value, bool Exclusive)
{
    public static bool TryParse(string text, out ScoreBound bound)
    {
        var exclusive = text.StartsWith('(');
        var ok = RedisNumbers.TryParseDouble(exclusive ? text[1..] : text, out var value);
        bound = new ScoreBound(value, exclusive);
        return ok;
    }

    // Whether a score passes this bound, taken as the lower one and as the upper one: both are asked, since a score
    // equal to an exclusive bound is out whichever end it is.
    public bool Admits(double score) => !Exclusive || score != Value;
}
