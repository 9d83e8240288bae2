using System.Text.Json;
using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.Rlp;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Testing;
using ParallelExec.Tests.Execution;
using ParallelExec.Trie;
using ParallelExec.Workloads;
using Xunit.Abstractions;

namespace ParallelExec.Tests.Stateless;

/// <summary>
/// A witness holds what the post-state root needs: ethereumjs (an implementation no one here wrote),
/// given only a witness's nodes, applies the block's changes to the account trie and each storage
/// trie and must reach our post-state root. Without the collapse siblings it cannot, on blocks whose
/// deletions collapse a branch.
/// </summary>
public sealed class WitnessPostRootReferenceTests(ITestOutputHelper output)
{
    private sealed record Case(string Label, Hash256 PostRoot, List<Hash256> StorageRoots, object Input, object WithoutSiblings);

    [Fact]
    public void Ethereumjs_reaches_the_post_state_root_from_the_witness_nodes_alone()
    {
        var sequential = new SequentialExecutor();
        var cases = new List<Case>();
        foreach (int seed in WitnessCaptureTests.Seeds(40, 49_000))
        {
            var random = new Random(seed);
            int keySpace = WitnessFixtures.KeySpaces[random.Next(WitnessFixtures.KeySpaces.Length)];
            var scripted = ScriptedTransaction.RandomBlock(random, random.Next(10, 120), keySpace, withHints: false);
            var txs = scripted.Transactions.ToList();
            for (int d = random.Next(1, 8); d > 0; d--)
                txs.Insert(random.Next(txs.Count + 1), new WitnessProofTests.ClearSlots([.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => ScriptedTransaction.KeyAt(random.Next(keySpace)))]));
            cases.Add(MakeCase($"seed {seed} (keys {keySpace})", WitnessFixtures.RandomStartState(random, keySpace), new Block(scripted.Header, txs), sequential));
        }
        foreach (var kind in Enum.GetValues<WorkloadKind>())
        {
            var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = kind, Accounts = 150, TransactionsPerBlock = 100, Blocks = 1, Seed = 2 });
            cases.Add(MakeCase($"{kind}", workload.Genesis, workload.Blocks[0], sequential));
        }

        var verdicts = MptReference.PostRootFromNodes(JsonSerializer.Serialize(cases.Select(c => c.Input)));
        var stripped = MptReference.PostRootFromNodes(JsonSerializer.Serialize(cases.Select(c => c.WithoutSiblings)));
        int needed = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            var verdict = verdicts[i];
            Assert.False(verdict.TryGetProperty("error", out var error), $"{cases[i].Label}: ethereumjs failed on the witness nodes: {error}");
            Assert.Equal(cases[i].StorageRoots.Select(r => r.ToString()), verdict.GetProperty("storageRoots").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(cases[i].PostRoot.ToString(), verdict.GetProperty("root").GetString());
            var without = stripped[i];
            if (without.TryGetProperty("error", out _) || without.GetProperty("root").GetString() != cases[i].PostRoot.ToString()) needed++;
        }
        output.WriteLine($"{cases.Count} blocks reached their post-state root from witness nodes alone; {needed} could not without the collapse siblings");
        if (Environment.GetEnvironmentVariable("PARALLELEXEC_SEED") is null) Assert.True(needed > 0, "no block needed a collapse sibling: the path under test did not run");
    }

    private static Case MakeCase(string label, InMemoryState pre, Block block, IBlockExecutor executor)
    {
        var preTrie = StateTrie.FromState(pre.Entries);
        var result = executor.Execute(block, pre);
        var witness = WitnessBuilder.Build(preTrie, block.Header.Number, result);
        var post = pre.Clone();
        post.Apply(result.Changes);
        var postTrie = StateTrie.FromState(post.Entries);

        var storage = new List<object>();
        var storageRoots = new List<Hash256>();
        var accounts = new List<string[]>();
        foreach (var address in witness.Entries.Select(e => e.Key.Address).Distinct())
        {
            var before = preTrie.GetProof(address, []);
            var after = postTrie.GetProof(address, []);
            var ops = new List<string[]>();
            foreach (var change in result.Changes.Where(c => c.Key.Address.Equals(address) && c.Key.Kind == StateKeyKind.Storage))
            {
                var slot = Hex(Word(change.Key.Slot));
                if (change.Value.IsZero) ops.Add(["del", slot]);
                else ops.Add(["put", slot, Hex(RlpOf(change.Value))]);
            }
            if (ops.Count > 0)
            {
                storage.Add(new { root = before.StorageHash.ToString(), ops });
                storageRoots.Add(after.Exists ? after.StorageHash : MerklePatriciaTrie.EmptyRoot);
            }
            if (after.Exists) accounts.Add(["put", address.ToString(), Hex(AccountRlp(after))]);
            else if (before.Exists) accounts.Add(["del", address.ToString()]);
        }
        // The same witness without the nodes that are in no key's own proof: the collapse siblings.
        var proofNodes = new HashSet<Hash256>();
        foreach (var entry in witness.Entries)
        {
            var proof = preTrie.GetProof(entry.Key.Address, entry.Key.Kind == StateKeyKind.Storage ? [entry.Key.Slot] : []);
            foreach (var node in proof.Proof.Concat(proof.StorageProof.SelectMany(s => s.Proof))) proofNodes.Add(Keccak256.Compute(node));
        }
        var all = witness.Nodes.Select(Hex).ToList();
        var withoutSiblings = witness.Nodes.Where(n => proofNodes.Contains(Keccak256.Compute(n))).Select(Hex).ToList();
        object Input(List<string> nodes) => new { stateRoot = witness.PreStateRoot.ToString(), nodes, storage, accounts };
        return new Case(label, postTrie.Root, storageRoots, Input(all), Input(withoutSiblings));
    }

    private static byte[] Word(in UInt256 value)
    {
        var bytes = new byte[32];
        value.WriteBigEndian(bytes);
        return bytes;
    }

    private static byte[] RlpOf(in UInt256 value)
    {
        var bytes = new byte[33];
        return bytes[..RlpWriter.Write(bytes, value)];
    }

    private static byte[] AccountRlp(AccountProof account)
    {
        var buffer = new byte[120];
        int payload = RlpWriter.LengthOf(account.Nonce) + RlpWriter.LengthOf(account.Balance) + 2 * (Hash256.Size + 1);
        int o = RlpWriter.WriteListHeader(buffer, payload);
        o += RlpWriter.Write(buffer.AsSpan(o), account.Nonce);
        o += RlpWriter.Write(buffer.AsSpan(o), account.Balance);
        o += RlpWriter.Write(buffer.AsSpan(o), account.StorageHash);
        o += RlpWriter.Write(buffer.AsSpan(o), account.CodeHash);
        return buffer[..o];
    }

    private static string Hex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);
}
