using System.Text;
using System.Text.Json;
using ClusterGroups.Contracts;
using ClusterGroups.Node.Groups;

namespace ClusterGroups.UnitTests.FanOut;

// The answers of one request: ProblemDetails and X-Idempotency-Supported like ClusterGroups.Node, or, for a node that
// ignores Idempotency-Key, bare HTML error pages like the seed's Flask node.
internal sealed class FakeAnswers(string nodeId, bool ignoresIdempotency, HttpRequestMessage request)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpResponseMessage Info() => Ok(new { name = "FakeNode", version = "1.0.0", nodeId });

    public HttpResponseMessage List(IEnumerable<string> groupIds) =>
        Ok(new { nodeId, groups = groupIds.Order(StringComparer.Ordinal).Select(groupId => new { groupId, nodeId }) });

    public HttpResponseMessage Group(string groupId, HttpStatusCode status, bool replayed = false)
    {
        var response = Answer(status, JsonContent(new { groupId, nodeId }, "application/json"));
        if (replayed)
        {
            response.Headers.Add(NodeHeaders.IdempotentReplay, "true");
        }

        return response;
    }

    // Our nodes name the write that made the state (X-Created-By / X-Deleted-By); the seed's nodes do not.
    public HttpResponseMessage Read(string groupId, (bool Present, string? CreatedBy, string? DeletedBy) state)
    {
        var response = state.Present ? Group(groupId, HttpStatusCode.OK) : NotFound();
        var writtenBy = state.Present ? state.CreatedBy : state.DeletedBy;
        if (!ignoresIdempotency && !string.IsNullOrEmpty(writtenBy))
        {
            response.Headers.Add(state.Present ? NodeHeaders.CreatedBy : NodeHeaders.DeletedBy, writtenBy);
        }

        return response;
    }

    // X-Fenced carries the highest token the node has seen for the group.
    public HttpResponseMessage Fenced(long? seen)
    {
        var response = Error(HttpStatusCode.Conflict, NodeMessages.Fenced);
        response.Headers.Add(NodeHeaders.Fenced, seen?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return response;
    }

    public HttpResponseMessage Aborted()
    {
        var response = Error(HttpStatusCode.Conflict, NodeMessages.Aborted);
        response.Headers.Add(NodeHeaders.WriteAborted, "true");
        return response;
    }

    // What the aborted write (of kind `write`) had done, as the node's abort route answers it.
    public HttpResponseMessage AbortAnswer(string groupId, string key, string write, WriteResult result) =>
        Ok(new ClusterGroups.Contracts.AbortAnswer(groupId, key, write, result switch
        {
            WriteResult.Applied => ClusterGroups.Contracts.AbortAnswer.Applied,
            WriteResult.AlreadySo => ClusterGroups.Contracts.AbortAnswer.AlreadySo,
            _ => ClusterGroups.Contracts.AbortAnswer.Aborted,
        }));

    public HttpResponseMessage TakeOverAnswer(string groupId, TakeOverState state) =>
        Ok(new ClusterGroups.Contracts.TakeOverAnswer(groupId, state.Present, state.WrittenBy, state.Apply, state.Undo));

    public HttpResponseMessage Cleared(int count) => Ok(new { nodeId, deleted = count });

    public HttpResponseMessage Exists() => Error(HttpStatusCode.BadRequest, NodeMessages.Exists, NodeCodes.Exists);
    public HttpResponseMessage NotFound() => Error(HttpStatusCode.NotFound, NodeMessages.NotFound);
    public HttpResponseMessage BadRequest() => Error(HttpStatusCode.BadRequest, "The body is not a JSON object of the form {\"groupId\": \"<id>\"}.");
    public HttpResponseMessage Unavailable(TimeSpan retryAfter)
    {
        var response = Error(HttpStatusCode.ServiceUnavailable, "The node is unavailable for now.");
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(retryAfter);
        return response;
    }

    public HttpResponseMessage ServerError() => Error(HttpStatusCode.InternalServerError, "An error occurred while processing your request.");

    private HttpResponseMessage Ok(object body) => Answer(HttpStatusCode.OK, JsonContent(body, "application/json"));

    private HttpResponseMessage Error(HttpStatusCode status, string detail, string? code = null)
    {
        if (ignoresIdempotency)
        {
            var html = $"<!doctype html>\n<html lang=en>\n<title>{(int)status} {status}</title>\n<h1>{status}</h1>\n<p>{detail}</p>\n";
            return Answer(status, new StringContent(html, Encoding.UTF8, "text/html"));
        }

        object problem = code is null
            ? new { type = "about:blank", title = status.ToString(), status = (int)status, detail }
            : new { type = "about:blank", title = status.ToString(), status = (int)status, detail, code };
        return Answer(status, JsonContent(problem, "application/problem+json"));
    }

    private static StringContent JsonContent(object body, string mediaType) =>
        new(JsonSerializer.Serialize(body, Json), Encoding.UTF8, mediaType);

    private HttpResponseMessage Answer(HttpStatusCode status, HttpContent content)
    {
        var response = new HttpResponseMessage(status) { Content = content, RequestMessage = request };
        if (!ignoresIdempotency)
        {
            response.Headers.Add(NodeHeaders.IdempotencySupported, "true");
        }

        return response;
    }
}
