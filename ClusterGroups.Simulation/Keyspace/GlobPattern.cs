namespace ClusterGroups.Simulation.Keyspace;

// Redis' glob (stringmatchlen): '*', '?', '[abc]', '[^a]', '[a-z]', '\x'. For KEYS and the MATCH of HSCAN / SSCAN.
internal static class GlobPattern
{
    public static bool Matches(string pattern, string text) => Match(pattern, 0, text, 0);

    private static bool Match(string p, int pi, string s, int si)
    {
        while (pi < p.Length)
        {
            switch (p[pi])
            {
                case '*':
                    while (pi + 1 < p.Length && p[pi + 1] == '*')
                    {
                        pi++;
                    }

                    if (pi + 1 == p.Length)
                    {
                        return true;
                    }

                    for (var start = si; start <= s.Length; start++)
                    {
                        if (Match(p, pi + 1, s, start))
                        {
                            return true;
                        }
                    }

                    return false;
                case '?':
                    if (si >= s.Length)
                    {
                        return false;
                    }

                    si++;
                    break;
                case '[':
                    if (si >= s.Length)
                    {
                        return false;
                    }

                    pi = MatchClass(p, pi + 1, s[si], out var matched);
                    if (!matched)
                    {
                        return false;
                    }

                    si++;
                    break;
                case '\\' when pi + 1 < p.Length:
                    pi++;
                    if (si >= s.Length || p[pi] != s[si])
                    {
                        return false;
                    }

                    si++;
                    break;
                default:
                    if (si >= s.Length || p[pi] != s[si])
                    {
                        return false;
                    }

                    si++;
                    break;
            }

            pi++;
        }

        return si == s.Length;
    }

    // From just after '['; returns the index of the closing ']' (or the last char if there is none, as Redis does).
    private static int MatchClass(string p, int pi, char c, out bool matched)
    {
        var negate = pi < p.Length && p[pi] == '^';
        if (negate)
        {
            pi++;
        }

        matched = false;
        while (pi < p.Length && p[pi] != ']')
        {
            if (p[pi] == '\\' && pi + 1 < p.Length)
            {
                pi++;
                matched |= p[pi] == c;
            }
            else if (pi + 2 < p.Length && p[pi + 1] == '-')
            {
                var (low, high) = p[pi] <= p[pi + 2] ? (p[pi], p[pi + 2]) : (p[pi + 2], p[pi]);
                matched |= c >= low && c <= high;
                pi += 2;
            }
            else
            {
                matched |= p[pi] == c;
            }

            pi++;
        }

        if (pi >= p.Length)
        {
            pi = p.Length - 1;
        }

        matched ^= negate;
        return pi;
    }
}
