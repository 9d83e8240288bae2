using System.Text.Json;

namespace ParallelExec.Testing;

/// <summary>
/// Runs tests/mpt-reference (ethereumjs's @ethereumjs/mpt under Node) as an independent oracle: trie
/// roots (<see cref="Run"/>) and eth_getProof verification (<see cref="VerifyProofs"/>).
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

    /// <summary>
    /// What ethereumjs proves from eth_getProof results (<paramref name="proofsJson"/>: a JSON array of
    /// them) at <paramref name="stateRoot"/>: per proof, the proven account fields (null: proven absent)
    /// and slot values (null: proven absent), or an error when a proof does not verify.
    /// </summary>
    public static JsonElement VerifyProofs(string stateRoot, string proofsJson)
    {
        var input = $"{{\"stateRoot\":\"{stateRoot}\",\"proofs\":{proofsJson}}}";
        return JsonDocument.Parse(Script.Run(input, "verify-proofs")).RootElement.Clone();
    }

    /// <summary>
    /// Applies blocks' changes to states from witnesses' nodes alone (<paramref name="casesJson"/>: a JSON
    /// array of the script's <c>post-root</c> cases): per case, the storage roots and the state root
    /// ethereumjs computes, or an error when a node is missing.
    /// </summary>
    public static JsonElement PostRootFromNodes(string casesJson) =>
        JsonDocument.Parse(Script.Run(casesJson, "post-root")).RootElement.Clone();
}
