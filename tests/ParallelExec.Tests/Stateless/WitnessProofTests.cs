using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.Rlp;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Tests.Execution;
using ParallelExec.Trie;
using Xunit.Abstractions;

namespace ParallelExec.Tests.Stateless;

/// <summary>
/// A witness's nodes are the multiproof of its keys: the union of the individual eth_getProof proofs
/// of every key, rebuilt from the full state, each node once; the only other nodes are the children
/// a deletion's branch collapse needs, each a child of a proof node.
/// </summary>
public sealed class WitnessProofTests(ITestOutputHelper output)
{
    [Fact]
    public void Witness_nodes_equal_the_union_of_the_keys_individual_proofs_plus_collapse_siblings()
    {
        var sequential = new SequentialExecutor();
        int withDeletions = 0, siblings = 0;
        foreach (int seed in WitnessCaptureTests.Seeds(60, 45_000))
        {
            var random = new Random(seed);
            int keySpace = WitnessFixtures.KeySpaces[random.Next(WitnessFixtures.KeySpaces.Length)];
            var scripted = ScriptedTransaction.RandomBlock(random, random.Next(10, 150), keySpace, withHints: false);
            var state = WitnessFixtures.RandomStartState(random, keySpace);
            // Deletions: a few transactions clear random slots (a branch may collapse).
            var txs = scripted.Transactions.ToList();
            for (int d = random.Next(0, 6); d > 0; d--)
                txs.Insert(random.Next(txs.Count + 1), new ClearSlots([.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => ScriptedTransaction.KeyAt(random.Next(keySpace)))]));
            var block = new Block(scripted.Header, txs);
            var trie = StateTrie.FromState(state.Entries);
            var result = sequential.Execute(block, state);
            var witness = WitnessBuilder.Build(trie, 1, result);

            var union = new Dictionary<Hash256, byte[]>();
            foreach (var entry in witness.Entries)
            {
                var proof = trie.GetProof(entry.Key.Address, entry.Key.Kind == StateKeyKind.Storage ? [entry.Key.Slot] : []);
                foreach (var node in proof.Proof) union.TryAdd(Keccak256.Compute(node), node);
                foreach (var slot in proof.StorageProof)
                    foreach (var node in slot.Proof) union.TryAdd(Keccak256.Compute(node), node);
            }
            var hashes = witness.Nodes.Select(n => Keccak256.Compute(n)).ToList();
            Assert.Equal(hashes.Count, hashes.Distinct().Count()); // each node once
            var hex = hashes.Select(h => h.ToString()).ToList(); // the bytes as hex: their order is the bytes' order
            Assert.True(hex.SequenceEqual(hex.Order(StringComparer.Ordinal)), $"seed {seed}: nodes not in hash order");
            Assert.True(union.Keys.All(hashes.Contains), $"seed {seed}: a proof node is missing from the witness");
            var extra = hashes.Where(h => !union.ContainsKey(h)).ToList();
            bool deletes = result.Changes.Any(c => c.Key.Kind == StateKeyKind.Storage && c.Value.IsZero && state.Get(c.Key) != UInt256.Zero);
            if (!deletes) Assert.Empty(extra);
            else withDeletions++;
            foreach (var hash in extra)
                Assert.True(union.Values.Any(parent => References(parent, hash)), $"seed {seed}: extra node {hash} is no child of a proof node");
            siblings += extra.Count;
        }
        output.WriteLine($"{withDeletions} blocks deleted slots; {siblings} collapse siblings added");
        if (Environment.GetEnvironmentVariable("PARALLELEXEC_SEED") is null) Assert.True(withDeletions > 0, "no block deleted a slot");
    }

    /// <summary>Writes zero to its keys: deletes storage slots.</summary>
    internal sealed class ClearSlots(StateKey[] keys) : ITransaction
    {
        public ulong GasLimit => 1000;

        public ExecutionOutcome Execute(ITransactionContext context)
        {
            foreach (var key in keys) context.Write(key, UInt256.Zero);
            return ExecutionOutcome.Success;
        }
    }

    // Whether a branch or extension node refers to the node with this hash.
    private static bool References(byte[] node, Hash256 hash)
    {
        var items = new RlpReader(node).ReadList();
        while (items.HasMore)
        {
            var item = items.ReadEncodedItem();
            if (item.Length == 33 && item[0] == 0xA0 && new Hash256(item[1..]) == hash) return true;
        }
        return false;
    }
}
