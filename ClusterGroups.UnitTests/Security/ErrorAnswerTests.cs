using System.Text.Json.Nodes;
using ClusterGroups.Api.Errors;
using ClusterGroups.Web.Http;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ClusterGroups.Api.Coordinator;

namespace ClusterGroups.UnitTests.Security;

// What the exception handlers answer: the coordinator store down is a 503 with Retry-After that says exactly what is
// known; a request Kestrel could not read is its own 4xx. (That they are wired in, end to end, is checked by
// FuzzTests and CoordinatorOutageTests on the running app.)
public sealed class ErrorAnswerTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();

    public static TheoryData<string, string, string?> CoordinatorCases => new()
    {
        { "not begun", "nothing was done", null },
        { "begun", "follow it at /v1/operations/op-7", "/v1/operations/op-7" },
        { "store unreachable", "whether this request took effect is not known", null },
        { "wrapped", "whether this request took effect is not known", null },
    };

    [Theory]
    [MemberData(nameof(CoordinatorCases))]
    public async Task The_coordinator_store_unreachable_is_a_503_saying_what_is_known(string what, string detail, string? location)
    {
        Exception exception = what switch
        {
            "not begun" => new CoordinatorUnavailableException(null, nodesMayBeTouched: false),
            "begun" => new CoordinatorUnavailableException("op-7", nodesMayBeTouched: true),
            "store unreachable" => new CoordinatorStoreException("No connection is available"),
            _ => new InvalidOperationException("journal", new AggregateException(new CoordinatorStoreException("reset"))),
        };
        var handler = new CoordinatorUnavailableHandler(Services.GetRequiredService<IProblemDetailsService>(), NullLogger<CoordinatorUnavailableHandler>.Instance);

        var (http, body) = await HandleAsync(handler, exception);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, http.Response.StatusCode);
        Assert.Equal("2", http.Response.Headers.RetryAfter.ToString());
        Assert.Equal(location, location is null ? null : http.Response.Headers.Location.ToString());
        Assert.Contains(detail, body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(what == "not begun" ? "not known" : "nothing was done", body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_exceptions_are_left_to_the_default_handler()
    {
        var handler = new CoordinatorUnavailableHandler(Services.GetRequiredService<IProblemDetailsService>(), NullLogger<CoordinatorUnavailableHandler>.Instance);
        Assert.False(await handler.TryHandleAsync(new DefaultHttpContext(), new InvalidOperationException("a bug"), CancellationToken.None));
        var bad = new BadRequestExceptionHandler(Services.GetRequiredService<IProblemDetailsService>(), NullLogger<BadRequestExceptionHandler>.Instance);
        Assert.False(await bad.TryHandleAsync(new DefaultHttpContext(), new InvalidOperationException("a bug"), CancellationToken.None));
    }

    [Theory]
    [InlineData(StatusCodes.Status413PayloadTooLarge, "Request body too large")]
    [InlineData(StatusCodes.Status400BadRequest, "Bad request")]
    [InlineData(StatusCodes.Status408RequestTimeout, "Bad request")]
    public async Task A_request_kestrel_cannot_read_gets_its_own_status(int status, string title)
    {
        var handler = new BadRequestExceptionHandler(Services.GetRequiredService<IProblemDetailsService>(), NullLogger<BadRequestExceptionHandler>.Instance);

        var (http, body) = await HandleAsync(handler, new BadHttpRequestException("Unexpected end of request content.", status));

        Assert.Equal(status, http.Response.StatusCode);
        Assert.Equal(title, body["title"]!.GetValue<string>());
        Assert.Contains("nothing was done", body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static async Task<(HttpContext Http, JsonNode Body)> HandleAsync(IExceptionHandler handler, Exception exception)
    {
        var http = new DefaultHttpContext { RequestServices = Services };
        http.Request.Method = "POST";
        http.Request.Path = "/v1/group";
        http.Request.Headers.Accept = "application/json";
        var body = new MemoryStream();
        http.Response.Body = body;

        Assert.True(await handler.TryHandleAsync(http, exception, CancellationToken.None));

        Assert.Equal("application/problem+json", http.Response.ContentType);
        return (http, JsonNode.Parse(body.ToArray())!);
    }
}
