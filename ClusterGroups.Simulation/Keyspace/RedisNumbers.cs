using System.Globalization;

namespace ClusterGroups.Simulation.Keyspace;

// Numbers as Redis reads and writes them: integers strictly (string2ll: no sign '+', no leading zero, no spaces),
// floats as strtod reads them (inf, -inf, exponents; no NaN), and doubles written with "%.17g" (redis-server 7.0's
// addReplyDouble, and how it turns a Lua number given to redis.call into an argument).
internal static class RedisNumbers
{
    public static bool TryParseLong(string text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 20)
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        var negative = text[0] == '-';
        var digits = negative ? text.AsSpan(1) : text.AsSpan();
        if (digits.Length == 0 || digits[0] is < '1' or > '9')
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseUnsigned(string text, out ulong value)
    {
        value = 0;
        return text.Length is > 0 and <= 20 && text.All(char.IsAsciiDigit)
            && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseDouble(string text, out double value)
    {
        value = 0;
        if (text.Length == 0 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))
        {
            return false;
        }

        var body = text[0] is '+' or '-' ? text[1..] : text;
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsNaN(value);
    }

    public static string FormatLong(long value) => value.ToString(CultureInfo.InvariantCulture);

    // C's printf("%.17g"): 17 significant digits, trailing zeros dropped, exponent form when the exponent is < -4 or
    // >= 17. Infinities as Redis writes them ("inf", "-inf").
    public static string FormatDouble(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0" : "0";
        }

        // "E16": one digit, the point, 16 digits, 'E', sign, three digits; rounded as printf rounds (exactly).
        var e = value.ToString("E16", CultureInfo.InvariantCulture);
        var negative = e[0] == '-';
        var mantissa = e[(negative ? 1 : 0)..e.IndexOf('E')].Replace(".", "", StringComparison.Ordinal);
        var exponent = int.Parse(e[(e.IndexOf('E') + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var digits = mantissa.TrimEnd('0');
        string text;
        if (exponent is < -4 or >= 17)
        {
            text = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
            text += $"e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
        }
        else if (exponent < 0)
        {
            text = "0." + new string('0', -exponent - 1) + digits;
        }
        else
        {
            text = digits.Length <= exponent + 1
                ? digits + new string('0', exponent + 1 - digits.Length)
                : $"{digits[..(exponent + 1)]}.{digits[(exponent + 1)..]}";
        }

        return negative ? "-" + text : text;
    }
}
