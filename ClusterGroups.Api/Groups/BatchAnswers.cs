using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace ClusterGroups.Api.Groups;

// One write's answer in a batch: what its single request's response held (status, the headers a caller acts on,
// body).
public sealed record BatchAnswer(int Status, string? ContentType, string? Location, string? RetryAfter, byte[] Body)
{
    public static async Task<BatchAnswer> FromAsync(HttpContext own)
    {
        await own.Response.CompleteAsync();
        var headers = own.Response.Headers;
        return new BatchAnswer(own.Response.StatusCode, own.Response.ContentType, NullIfEmpty(headers.Location),
            NullIfEmpty(headers.RetryAfter), ((MemoryStream)own.Response.Body).ToArray());
    }

    // {"index"?, "status", "headers": {"Content-Type", "Location", "Retry-After"}, "body"}: a header only when the
    // single response had it, body null when it had none. The index only in a stream (BatchAnswerStream), where
    // answers come in the order they end.
    public void WriteTo(Utf8JsonWriter json, int? index = null)
    {
        json.WriteStartObject();
        if (index is { } at)
        {
            json.WriteNumber("index", at);
        }

        json.WriteNumber("status", Status);
        json.WriteStartObject("headers");
        Header(json, HeaderNames.ContentType, ContentType);
        Header(json, HeaderNames.Location, Location);
        Header(json, HeaderNames.RetryAfter, RetryAfter);
        json.WriteEndObject();
        json.WritePropertyName("body");
        if (Body.Length == 0)
        {
            json.WriteNullValue();
        }
        else
        {
            // Written by the single route's own serializer a moment ago.
            json.WriteRawValue(Body, skipInputValidation: true);
        }

        json.WriteEndObject();
    }

    private static void Header(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 ? null : value.ToString();
}

// 200: {"answers": [{"status", "headers": {"Content-Type", "Location", "Retry-After"}, "body"}, ...]}, in the writes'
// order; a header only when the single response had it, body null when it had none.
public sealed class BatchAnswers(IReadOnlyList<BatchAnswer> answers) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public IReadOnlyList<BatchAnswer> Answers => answers;

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        await using (var json = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteStartArray("answers");
            foreach (var answer in answers)
            {
                answer.WriteTo(json);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(BatchAnswersView), ["application/json"]));
}

// The shape ExecuteAsync writes, for the OpenAPI document.
public sealed record BatchAnswersView(IReadOnlyList<BatchAnswerView> Answers);

public sealed record BatchAnswerView(int Status, IReadOnlyDictionary<string, string> Headers, JsonElement? Body);
