using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterGroups.Api.Groups;

// The answer every create and delete writes (the operation's report), serialized by code generated at build time
// rather than by reflection: first in the HTTP JSON options' resolver chain (ApiServiceExtensions), the web defaults
// as before; every other type falls through to the reflection-based resolver.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(OperationReport))]
internal sealed partial class ApiJson : JsonSerializerContext;
