using System.Net;

namespace ClusterGroups.Bench;

// All load goes to this machine only: a URL is accepted when its host is a loopback address, and "localhost" is
// pinned to 127.0.0.1.
public static class Loopback
{
    public static Uri Require(string url) => Require(new Uri(url, UriKind.Absolute));

    public static Uri Require(Uri uri)
    {
        var host = uri.Host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new UriBuilder(uri) { Host = "127.0.0.1" }.Uri;
        }

        if (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address))
        {
            return uri;
        }

        throw new FormatException($"{uri} is not a loopback address; the bench sends load to this machine only.");
    }
}
