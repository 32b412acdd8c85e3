using System.Text;
using CsCheck;

namespace ClusterGroups.Tests.Security;

public sealed record Malformed(string Method, string Path, byte[]? Body, string? ContentType)
{
    public override string ToString() =>
        $"{Method} {Path} [{ContentType}] {(Body is null ? "no body" : $"{Body.Length} bytes: {Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(80, Body.Length)))}")}";
}

// Requests that must all be refused with a 4xx: every one is broken in at least one way (an invalid groupId in the
// path or the body, a body that is not the expected JSON, a wrong method), so none may reach a store.
public static class MalformedRequests
{
    private static readonly Gen<string> BadId = Gen.OneOf(
        Gen.OneOf("", ".", "..", "a/b", "%2F", "a%2Fb", "a\0b", "tab\there", "sp ace", "ünï", "a\u0001", "../../etc/passwd", "x?y", "x#y"),
        Gen.Const(() => new string('x', 10_000)),
        Gen.Const(() => new string('y', 129)),
        Gen.Char.Array[1, 40].Select(chars => new string(chars) + "/"),
        Gen.Char.Array[1, 40].Select(chars => "\u0000" + new string(chars)));

    private static readonly Gen<byte[]> BadBody = Gen.OneOf(
        Gen.Byte.Array[0, 300],
        Gen.Const(() => new byte[] { 0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1 }),                         // broken UTF-8
        Gen.Int[50, 3000].Select(depth => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))), // deep
        Gen.Int[17_000, 200_000].Select(size => Encoding.UTF8.GetBytes($"{{\"groupId\": \"{new string('z', size)}\"}}")), // huge
        BadId.Select(id => Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { groupId = id }))),
        Gen.OneOf(
            "{\"groupId\": 1}", "{\"groupId\": [\"a\"]}", "{\"groupId\": {\"x\": 1}}", "{\"groupId\": null}", "{}", "[]", "null",
            "{\"groupId\": \"ok\", \"groupId\": \"ok2\"}", "{\"groupId\": \"ok\"} trailing", "{\"groupId\": \"ok\",}",
            "{\"groupId\": \"ok\" /* c */}", "{\"GroupId\": \"ok\"}", "{\"groupId\": \"ok\", \"more\": 1}", "\"ok\"")
            .Select(Encoding.UTF8.GetBytes));

    private static readonly Gen<string?> ContentType =
        Gen.OneOf<string?>("application/json", "application/json", "text/plain", "application/xml", "multipart/form-data", null);

    // Writes with a broken body.
    private static readonly Gen<Malformed> BadWrites =
        Gen.Select(Gen.OneOf("POST", "DELETE"), BadBody, ContentType, (m, body, type) => new Malformed(m, "/v1/group/", body, type));

    // A valid body of the wrong type, with a content type that is not JSON.
    private static readonly Gen<Malformed> WrongContentType =
        Gen.Select(Gen.OneOf("POST", "DELETE"), Gen.OneOf("text/plain", "application/xml", "application/x-www-form-urlencoded"),
            (m, type) => new Malformed(m, "/v1/group/", "{\"groupId\": \"fuzz-ok\"}"u8.ToArray(), type));

    // An invalid groupId in the path.
    private static readonly Gen<Malformed> BadPaths =
        Gen.Select(Gen.OneOf("GET", "DELETE"), BadId.Where(id => id.Length > 0 && id != "." && id != ".."),
            (m, id) => new Malformed(m, $"/v1/group/{Uri.EscapeDataString(id)}", null, null));

    // Methods the routes do not take.
    private static readonly Gen<Malformed> WrongMethods =
        Gen.Select(Gen.OneOf("PUT", "PATCH"), Gen.OneOf("/v1/group/", "/v1/groups", "/v1/group/x1"),
            (m, path) => new Malformed(m, path, "{\"groupId\": \"x1\"}"u8.ToArray(), "application/json"));

    // Bodies over Kestrel's 1 MiB limit, of an otherwise valid request: 413 (framing errors HttpClient will not send
    // are in FuzzTests, over raw sockets).
    private static readonly Gen<Malformed> Oversized =
        Gen.Select(Gen.OneOf("POST", "DELETE"), Gen.Int[(int)Microsoft.Extensions.Hosting.Extensions.MaxRequestBodySize + 1, 3 * 1024 * 1024],
            (m, size) => new Malformed(m, "/v1/group/", Encoding.UTF8.GetBytes($"{{\"groupId\": \"{new string('o', size)}\"}}"), "application/json"));

    public static readonly Gen<Malformed> Any = Gen.Frequency(
        (6, BadWrites), (1, WrongContentType), (3, BadPaths), (1, WrongMethods), (1, Oversized));
}
