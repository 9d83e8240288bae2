using System.Text.Json;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// Runs tests/mpt-reference (ethereumjs's @ethereumjs/mpt under Node) as an independent oracle.
/// </summary>
internal static class MptReference
{
    private static readonly NodeScript Script = new("mpt-reference", "mpt-reference.mjs", Path.Combine("@ethereumjs", "mpt"));

    /// <summary>One trie case: its operations, with ("root") checkpoints.</summary>
    public sealed class Case(bool secure)
    {
        public bool Secure { get; } = secure;
        public List<string[]> Ops { get; } = new();

        public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Ops.Add(["put", Hex(key), Hex(value)]);
        public void Delete(ReadOnlySpan<byte> key) => Ops.Add(["del", Hex(key)]);
        public void Root() => Ops.Add(["root"]);

        private static string Hex(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);
    }

    /// <summary>Roots per case: one per checkpoint, then the final root.</summary>
    public static List<List<string>> Run(IReadOnlyList<Case> cases)
    {
        var input = JsonSerializer.Serialize(cases.Select(c => new { secure = c.Secure, ops = c.Ops }));
        var stdout = Script.Run(input);
        var result = JsonSerializer.Deserialize<List<List<string>>>(stdout)
            ?? throw new InvalidOperationException($"node mpt-reference.mjs printed no result: {stdout}");
        if (result.Count != cases.Count) throw new InvalidOperationException($"expected {cases.Count} results, got {result.Count}");
        return result;
    }
}
