using System.Security.Claims;
using ClusterGroups.Contracts.Security;
using ClusterGroups.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.UnitTests.Security;

// The key scheme both hops use (callers -> Api, Api -> nodes), run through ASP.NET Core's authentication service as a
// request runs it. The running Api's refusals and rotations are checked by the integration tests; here: which key is
// accepted as whom, and that the accepted keys are hashed when they are set, not on every request.
public sealed class KeyAuthenticationTests
{
    private const string Header = "X-Test-Key";

    [Fact]
    public async Task Each_accepted_key_is_its_own_name_and_roles_and_anything_else_is_refused()
    {
        var services = Services(("one", [new AcceptedKey("old", "key-1", ["reader"]), new AcceptedKey("new", "key-2", ["reader", "writer"])]));

        var old = await AuthenticateAsync(services, "one", "key-1");
        var rotated = await AuthenticateAsync(services, "one", "key-2");

        Assert.Equal("old", old.Principal!.Identity!.Name);
        Assert.Equal(["reader"], old.Principal.FindAll(ClaimTypes.Role).Select(c => c.Value));
        Assert.Equal("new", rotated.Principal!.Identity!.Name);
        Assert.Equal(["reader", "writer"], rotated.Principal.FindAll(ClaimTypes.Role).Select(c => c.Value));
        Assert.False((await AuthenticateAsync(services, "one", "key-3")).Succeeded);
        Assert.False((await AuthenticateAsync(services, "one", "key-1 ")).Succeeded);
        Assert.False((await AuthenticateAsync(services, "one", "")).Succeeded);
        Assert.False((await AuthenticateAsync(services, "one", "key-1", "key-1")).Succeeded);
        Assert.True((await AuthenticateAsync(services, "one")).None);
    }

    [Fact]
    public void Setting_the_keys_hashes_them_again()
    {
        var options = new KeyAuthenticationOptions { Keys = [new AcceptedKey("a", "key-1", [])] };
        Assert.Equal([KeyComparer.Hash("key-1")], options.KeyHashes);

        options.Keys = [new AcceptedKey("b", "key-2", []), new AcceptedKey("c", "key-3", [])];

        Assert.Equal([KeyComparer.Hash("key-2"), KeyComparer.Hash("key-3")], options.KeyHashes);
    }

    [Fact]
    public async Task A_request_allocates_the_same_whatever_the_number_of_accepted_keys()
    {
        // The same request against one accepted key and against 64, the right one last: hashing the accepted keys per
        // request (as the handler did) cost every one of them its UTF-8 bytes and its hash: 5.7 KB more at 64 keys.
        var many = Enumerable.Range(0, 63).Select(i => new AcceptedKey($"other-{i}", $"other-key-{i:D4}", [])).ToList();
        many.Add(new AcceptedKey("caller", "the-caller-key", []));
        var services = Services(("one", [new AcceptedKey("caller", "the-caller-key", [])]), ("many", many));

        var one = await AllocatedAsync(services, "one");
        var sixtyFour = await AllocatedAsync(services, "many");

        Assert.True(sixtyFour - one < 256, $"one key {one} bytes, 64 keys {sixtyFour} bytes");
    }

    // Bytes allocated by one authentication on this thread, after a warm-up; it must finish synchronously (no key
    // check waits), else the count would miss what ran elsewhere.
    private static async Task<long> AllocatedAsync(IServiceProvider services, string scheme)
    {
        Assert.True((await AuthenticateAsync(services, scheme, "the-caller-key")).Succeeded);
        var http = Request(services, "the-caller-key");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var pending = http.AuthenticateAsync(scheme);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(pending.IsCompletedSuccessfully);
        Assert.True((await pending).Succeeded);
        return allocated;
    }

    private static Task<AuthenticateResult> AuthenticateAsync(IServiceProvider services, string scheme, params string[] presented) =>
        Request(services, presented).AuthenticateAsync(scheme).WaitAsync(TimeSpan.FromSeconds(10));

    // A scope per request, as ASP.NET Core gives each: the handler provider keeps one handler per scheme and request.
    private static DefaultHttpContext Request(IServiceProvider services, params string[] presented)
    {
        var http = new DefaultHttpContext { RequestServices = services.CreateScope().ServiceProvider };
        if (presented.Length > 0)
        {
            http.Request.Headers[Header] = presented;
        }

        return http;
    }

    private static ServiceProvider Services(params (string Scheme, IReadOnlyList<AcceptedKey> Keys)[] schemes)
    {
        var services = new ServiceCollection().AddLogging();
        var authentication = services.AddAuthentication();
        foreach (var (scheme, keys) in schemes)
        {
            authentication.AddScheme<KeyAuthenticationOptions, KeyAuthenticationHandler>(scheme, o =>
            {
                o.Header = Header;
                o.Keys = keys;
            });
        }

        return services.BuildServiceProvider();
    }
}
