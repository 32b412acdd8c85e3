using System.Security.Claims;
using ClusterGroups.Contracts.Security;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Web.Security;

// One key a scheme accepts. Name becomes the caller's identity (rate limiting, logs); the key is never logged.
// Several entries may share a name: that is how a key is rotated (old and new accepted side by side).
public sealed record AcceptedKey(string Name, string Key, IReadOnlyList<string> Roles);

public sealed class KeyAuthenticationOptions : AuthenticationSchemeOptions
{
    public string Header { get; set; } = SecurityHeaders.ApiKey;

    // Setting the keys hashes them (KeyComparer), so a request hashes only the key it presents.
    public IReadOnlyList<AcceptedKey> Keys
    {
        get;
        set
        {
            field = value;
            KeyHashes = [.. value.Select(k => KeyComparer.Hash(k.Key ?? ""))];
        }
    } = [];

    // Keys' hashes, in the same order.
    public IReadOnlyList<byte[]> KeyHashes { get; private set; } = [];
}

// One handler for both keys (callers -> Api, Api -> nodes): a header compared in constant time with each allowed key.
// A refusal is a 401 problem+json, never an echo of what was sent. The options are read per request from an
// IOptionsMonitor, so a reloaded configuration (SecretsFile) changes the accepted keys without a restart.
public sealed class KeyAuthenticationHandler(
    IOptionsMonitor<KeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<KeyAuthenticationOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Options.Header, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (values.Count != 1 || values[0] is not { } presented)
        {
            return Task.FromResult(Refused());
        }

        Span<byte> hash = stackalloc byte[KeyComparer.HashSize];
        KeyComparer.Hash(presented, hash);
        var (keys, hashes) = (Options.Keys, Options.KeyHashes);
        for (var i = 0; i < keys.Count; i++)
        {
            var accepted = keys[i];
            if (!string.IsNullOrEmpty(accepted.Key) && KeyComparer.Matches(hash, hashes[i]))
            {
                var identity = new ClaimsIdentity(
                    [new Claim(ClaimTypes.Name, accepted.Name), .. accepted.Roles.Select(r => new Claim(ClaimTypes.Role, r))],
                    Scheme.Name);
                return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
            }
        }

        return Task.FromResult(Refused());
    }

    private AuthenticateResult Refused() => AuthenticateResult.Fail($"The {Options.Header} header does not hold a valid key.");

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = Scheme.Name;
        await Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = $"Send a valid key in the {Options.Header} header.",
            },
        });
    }
}
