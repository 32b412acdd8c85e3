using ClusterGroups.Contracts;
using Microsoft.AspNetCore.Http;

namespace ClusterGroups.Web.Http;

// The web side of GroupRequestReader: reads a request's body (capped) and hands it to the shared parser.
public static class GroupRequestBody
{
    /// <summary>Reads and validates the body; returns the groupId or a reason fit for a 400 answer.</summary>
    /// <remarks>
    /// The body is always read to its end, also when it is refused: an unread body makes the server close the
    /// connection, and the caller may then see a reset instead of the 400.
    /// </remarks>
    public static async Task<(string? GroupId, string? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, tooLarge) = await ReadCappedAsync(request.Body, GroupRequestReader.MaxBodyBytes, ct);
        if (tooLarge)
        {
            return (null, $"The body is larger than {GroupRequestReader.MaxBodyBytes} bytes.");
        }

        if (!request.HasJsonContentType() && !string.IsNullOrEmpty(request.ContentType))
        {
            return (null, "The body must be JSON (Content-Type: application/json).");
        }

        return GroupRequestReader.Parse(body);
    }

    // Keeps at most `limit` bytes; the rest is read and dropped. The read buffer is pooled: every write to a node and
    // to the Api comes through here (a batch of the Api's with its own limit: BatchBody).
    public static async Task<(byte[] Body, bool TooLarge)> ReadCappedAsync(Stream body, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var tooLarge = false;
            int read;
            while ((read = await body.ReadAsync(chunk, ct)) > 0)
            {
                tooLarge |= buffer.Length + read > limit;
                if (!tooLarge)
                {
                    buffer.Write(chunk, 0, read);
                }
            }

            return (buffer.ToArray(), tooLarge);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
