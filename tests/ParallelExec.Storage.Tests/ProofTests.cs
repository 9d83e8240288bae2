using System.Text.Json;
using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Testing;
using ParallelExec.Trie;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// eth_getProof (<see cref="ChainState.GetProof(in Address, IReadOnlyList{UInt256})"/>, the store-only
/// <see cref="ChainState.GetProof(IStateStore, in Address, IReadOnlyList{UInt256}, out bool, ChainStateOptions?)"/>
/// and <c>parallelexec proof</c>) checked by ethereumjs (tests/mpt-reference verify-proofs): for
/// present and absent accounts, present and absent slots, the values ethereumjs proves from the nodes
/// alone must be those of the flat state.
/// </summary>
public class ProofTests
{
    /// <summary>The flat state as accounts: fields and non-zero slots.</summary>
    private sealed class ExpectedAccount
    {
        public ulong Nonce;
        public UInt256 Balance;
        public UInt256 CodeHash;
        public bool HasFields;
        public readonly Dictionary<UInt256, UInt256> Slots = new();
        public bool Exists => HasFields || Slots.Count > 0;
    }

    private static Dictionary<Address, ExpectedAccount> Expected(IStateStore store)
    {
        var accounts = new Dictionary<Address, ExpectedAccount>();
        foreach (var (key, value) in store.Entries())
        {
            if (!accounts.TryGetValue(key.Address, out var account)) accounts[key.Address] = account = new ExpectedAccount();
            switch (key.Kind)
            {
                case StateKeyKind.Storage:
                    if (!value.IsZero) account.Slots[key.Slot] = value;
                    break;
                case StateKeyKind.Nonce: account.Nonce = value.U0; account.HasFields = true; break;
                case StateKeyKind.Balance: account.Balance = value; account.HasFields = true; break;
                case StateKeyKind.CodeHash: account.CodeHash = value; account.HasFields = true; break;
            }
        }
        return accounts;
    }

    /// <summary>
    /// The accounts to prove (with storage, without, absent) and their slots (present, absent), then
    /// checks every proof's claimed fields against the flat state and ethereumjs's verdict.
    /// </summary>
    private static (List<Address> Addresses, List<UInt256[]> Slots) Queries(Dictionary<Address, ExpectedAccount> expected, int seed)
    {
        var random = new Random(seed);
        var addresses = new List<Address>();
        var slots = new List<UInt256[]>();
        var withStorage = expected.Where(a => a.Value.Slots.Count > 0).OrderBy(a => a.Key.ToString()).Take(4).ToList();
        Assert.NotEmpty(withStorage); // the workload must hold contracts with storage, or the storage proofs test nothing
        foreach (var (address, account) in withStorage)
        {
            addresses.Add(address);
            var present = account.Slots.Keys.OrderBy(s => s.ToString()).Take(3);
            slots.Add([.. present, new UInt256((ulong)random.NextInt64(1, long.MaxValue), 7, 0, 0), new UInt256(987_654_321)]);
        }
        foreach (var (address, _) in expected.Where(a => a.Value.Exists && a.Value.Slots.Count == 0).OrderBy(a => a.Key.ToString()).Take(4))
        {
            addresses.Add(address);
            slots.Add([UInt256.Zero]);
        }
        for (int i = 0; i < 4; i++)
        {
            var bytes = new byte[Address.Size];
            random.NextBytes(bytes);
            var absent = new Address(bytes);
            Assert.False(expected.ContainsKey(absent));
            addresses.Add(absent);
            slots.Add([UInt256.Zero, new UInt256(5)]);
        }
        return (addresses, slots);
    }

    /// <summary>A RocksDB chain run to the end of a seeded workload (trie nodes at every block unless told otherwise).</summary>
    private sealed class RunChain : IDisposable
    {
        private readonly TempDir _dir = new();

        public RunChain(int blocks, ulong seed, int txs = 60, int accounts = 80, ChainStateOptions? options = null)
        {
            Workload = StorageTestSupport.Workload(blocks: blocks, txs: txs, seed: seed, accounts: accounts);
            Store = OpenRocks(_dir.Sub("db"));
            Chain = Create(Store, Workload, options);
            Run(Chain, Workload, 0, Workload.Blocks.Length);
        }

        public Workloads.Workload Workload { get; }
        public IStateStore Store { get; }
        public ChainState Chain { get; }

        public void Dispose()
        {
            Store.Dispose();
            _dir.Dispose();
        }
    }

    private static string ToJsonArray(IEnumerable<AccountProof> proofs)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var proof in proofs) AccountProofJson.Write(writer, proof);
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Hex(in UInt256 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        value.WriteBigEndian(bytes);
        var trimmed = bytes.TrimStart((byte)0);
        return "0x" + Convert.ToHexStringLower(trimmed);
    }

    /// <summary>The proofs say what the flat state holds, and ethereumjs proves exactly that from their nodes.</summary>
    private static void CheckAgainstStateAndEthereumJs(Hash256 root, IReadOnlyList<AccountProof> proofs, Dictionary<Address, ExpectedAccount> expected)
    {
        var verdicts = MptReference.VerifyProofs(root.ToString(), ToJsonArray(proofs));
        Assert.Equal(proofs.Count, verdicts.GetArrayLength());
        int presentSlots = 0, absentSlots = 0, absentAccounts = 0;
        for (int i = 0; i < proofs.Count; i++)
        {
            var proof = proofs[i];
            var verdict = verdicts[i];
            Assert.False(verdict.TryGetProperty("error", out var error), $"{proof.Address}: ethereumjs rejected the proof: {error}");
            expected.TryGetValue(proof.Address, out var account);
            bool exists = account is { Exists: true };
            Assert.Equal(exists, proof.Exists);
            var proven = verdict.GetProperty("account");
            if (!exists)
            {
                absentAccounts++;
                Assert.Equal(JsonValueKind.Null, proven.ValueKind);
                Assert.NotEmpty(proof.Proof); // an exclusion proof of a non-empty trie has nodes
                Assert.Equal(MerklePatriciaTrie.EmptyRoot, proof.StorageHash);
                Assert.Equal(Keccak256.OfEmpty, proof.CodeHash);
            }
            else
            {
                Assert.Equal(account!.Nonce, proof.Nonce);
                Assert.Equal(account.Balance, proof.Balance);
                Assert.Equal(account.CodeHash.IsZero ? Keccak256.OfEmpty : Hash256.FromUInt256(account.CodeHash), proof.CodeHash);
                Assert.Equal(Hex(new UInt256(proof.Nonce)), proven.GetProperty("nonce").GetString());
                Assert.Equal(Hex(proof.Balance), proven.GetProperty("balance").GetString());
                Assert.Equal(proof.CodeHash.ToString(), proven.GetProperty("codeHash").GetString());
                Assert.Equal(proof.StorageHash.ToString(), proven.GetProperty("storageHash").GetString());
                Assert.Equal(account.Slots.Count == 0, proof.StorageHash == MerklePatriciaTrie.EmptyRoot);
            }
            var storage = verdict.GetProperty("storage");
            for (int s = 0; s < proof.StorageProof.Count; s++)
            {
                var slot = proof.StorageProof[s];
                var value = account is not null && account.Slots.TryGetValue(slot.Key, out var v) ? v : UInt256.Zero;
                Assert.Equal(value, slot.Value);
                if (value.IsZero)
                {
                    absentSlots++;
                    Assert.Equal(JsonValueKind.Null, storage[s].ValueKind);
                }
                else
                {
                    presentSlots++;
                    Assert.Equal(Hex(value), storage[s].GetString());
                }
            }
        }
        Assert.True(presentSlots > 0 && absentSlots > 0 && absentAccounts > 0, $"{presentSlots} present and {absentSlots} absent slots, {absentAccounts} absent accounts");
    }

    [Fact]
    public void Proofs_from_memory_and_from_the_store_are_the_same_and_ethereumjs_proves_the_flat_state_from_them()
    {
        using var run = new RunChain(blocks: 8, seed: 41, txs: 80, accounts: 120); // trie nodes at every block: the head's trie is in the store
        var (workload, store, chain) = (run.Workload, run.Store, run.Chain);
        var expected = Expected(store);
        var (addresses, slots) = Queries(expected, seed: 5);

        var fromMemory = new List<AccountProof>();
        for (int i = 0; i < addresses.Count; i++)
        {
            var proof = chain.GetProof(addresses[i], slots[i]);
            var stored = ChainState.GetProof(store, addresses[i], slots[i], out bool fromStore);
            Assert.True(fromStore, "the head is a checkpoint: its proof must come from the stored nodes");
            Assert.Equal(AccountProofJson.ToJson(proof), AccountProofJson.ToJson(stored));
            fromMemory.Add(proof);
        }
        Assert.Equal(ReferenceRoots(workload)[^1], store.Head.StateRoot);
        CheckAgainstStateAndEthereumJs(store.Head.StateRoot, fromMemory, expected);
    }

    [Fact]
    public void Between_checkpoints_the_first_proof_opens_the_chain_which_stores_the_head_trie_and_all_are_verified()
    {
        using var run = new RunChain(blocks: 5, seed: 43, accounts: 90, options: new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 4 });
        var store = run.Store; // head 5: not a checkpoint, the stored trie is block 4's
        Assert.Equal(4, store.TrieNodesAt?.Number);
        var expected = Expected(store);
        var (addresses, slots) = Queries(expected, seed: 6);
        var proofs = new List<AccountProof>();
        for (int i = 0; i < addresses.Count; i++)
        {
            proofs.Add(ChainState.GetProof(store, addresses[i], slots[i], out ProofSource source));
            // The first opens the chain state over block 4's trie, which stores the head's: the others read it.
            Assert.Equal(i == 0 ? ProofSource.StoredTrieAndJournals : ProofSource.StoredTrie, source);
            Assert.Equal(store.Head, store.TrieNodesAt);
        }
        Assert.True(addresses.Count > 1);
        CheckAgainstStateAndEthereumJs(store.Head.StateRoot, proofs, expected);
    }

    [Fact]
    public void A_tampered_proof_or_a_proof_against_another_root_is_rejected_by_ethereumjs()
    {
        using var run = new RunChain(blocks: 3, seed: 47);
        var (workload, store, chain) = (run.Workload, run.Store, run.Chain);
        var expected = Expected(store);
        var (address, account) = expected.First(a => a.Value.Slots.Count > 0);
        var proof = chain.GetProof(address, [account.Slots.Keys.First()]);
        var tamperedNode = (byte[])proof.Proof[^1].Clone();
        tamperedNode[^1] ^= 1;
        var tampered = proof with { Proof = [.. proof.Proof.Take(proof.Proof.Count - 1), tamperedNode] };
        var verdicts = MptReference.VerifyProofs(store.Head.StateRoot.ToString(), ToJsonArray([proof, tampered]));
        Assert.False(verdicts[0].TryGetProperty("error", out _));
        Assert.True(verdicts[1].TryGetProperty("error", out _), $"a changed leaf was accepted: {verdicts[1]}");
        var otherRoot = MptReference.VerifyProofs(ReferenceRoots(workload)[1].ToString(), ToJsonArray([proof]));
        Assert.True(otherRoot[0].TryGetProperty("error", out _), $"a proof was accepted against another root: {otherRoot[0]}");
    }

    /// <summary>Nodes by hash, as a witness would carry them; counts the lookups.</summary>
    private sealed class WitnessSource(IEnumerable<byte[]> nodes) : ITrieNodeSource
    {
        private readonly Dictionary<Hash256, byte[]> _nodes = nodes.DistinctBy(n => Keccak256.Compute(n)).ToDictionary(n => Keccak256.Compute(n));
        public int Lookups;
        public byte[]? Replace; // returned instead of every node, when set

        public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp)
        {
            Lookups++;
            if (!_nodes.TryGetValue(hash, out rlp!)) return false;
            if (Replace is not null) rlp = Replace;
            return true;
        }
    }

    /// <summary>
    /// The walk needs nothing but its source: the nodes of a proof, held as a witness would hold them,
    /// prove the same keys again; a node the source lacks, or bytes of another hash, are a one-line error.
    /// </summary>
    [Fact]
    public void A_proof_rebuilt_from_a_witness_of_its_own_nodes_is_the_same_and_a_missing_or_wrong_node_is_reported()
    {
        using var run = new RunChain(blocks: 3, seed: 59);
        var (store, chain) = (run.Store, run.Chain);
        var (address, account) = Expected(store).OrderBy(a => a.Key.ToString()).First(a => a.Value.Slots.Count > 1);
        UInt256[] slots = [.. account.Slots.Keys.Take(2), new UInt256(424_242)];
        var proof = chain.GetProof(address, slots);
        var root = store.Head.StateRoot;

        var witness = new WitnessSource(proof.Proof.Concat(proof.StorageProof.SelectMany(p => p.Proof)));
        var again = StateProofs.Get(witness, root, address, slots);
        Assert.Equal(AccountProofJson.ToJson(proof), AccountProofJson.ToJson(again));
        Assert.Equal(proof.Proof.Count + proof.StorageProof.Sum(p => p.Proof.Count), witness.Lookups);

        var partial = new WitnessSource(proof.Proof);
        var missing = Assert.Throws<MissingTrieNodeException>(() => StateProofs.Get(partial, root, address, slots));
        Assert.Contains("is not in the node source", missing.Message);
        Assert.Contains("of the storage trie of 0x", missing.Message);
        Assert.DoesNotContain('\n', missing.Message);

        var wrong = new WitnessSource(proof.Proof) { Replace = proof.Proof[^1] };
        var mismatch = Assert.Throws<MissingTrieNodeException>(() => StateProofs.Get(wrong, root, address, []));
        Assert.Contains("bytes of another hash", mismatch.Message);
    }

    [Fact]
    public void The_proof_command_prints_eth_getProof_json_that_ethereumjs_verifies()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests (src/ParallelExec.Cli/bin/<configuration>/net10.0)");
        using var dir = new TempDir();
        var workload = Workload(blocks: 4, seed: 53);
        var db = dir.Sub("db");
        Dictionary<Address, ExpectedAccount> expected;
        Hash256 root;
        using (var store = OpenRocks(db))
        {
            Run(Create(store, workload), workload, 0, workload.Blocks.Length);
            expected = Expected(store);
            root = store.Head.StateRoot;
        }
        var (address, account) = expected.OrderBy(a => a.Key.ToString()).First(a => a.Value.Slots.Count > 0);
        var present = account.Slots.Keys.First();
        var (code, stdout, stderr) = CliProcess.Run(cli!, "proof", "--db", db, address.ToString(), present.ToHexString(), "12345", "--json");
        Assert.True(code == 0, stderr);
        var verdict = MptReference.VerifyProofs(root.ToString(), "[" + stdout + "]")[0];
        Assert.False(verdict.TryGetProperty("error", out var error), $"ethereumjs rejected the CLI's proof: {error}");
        Assert.Equal(Hex(account.Balance), verdict.GetProperty("account").GetProperty("balance").GetString());
        Assert.Equal(Hex(account.Slots[present]), verdict.GetProperty("storage")[0].GetString());
        Assert.Equal(JsonValueKind.Null, verdict.GetProperty("storage")[1].ValueKind);
        using var printed = JsonDocument.Parse(stdout);
        Assert.Equal(account.Slots[present].ToHexString(), printed.RootElement.GetProperty("storageProof")[0].GetProperty("value").GetString());
        Assert.Equal("0x0", printed.RootElement.GetProperty("storageProof")[1].GetProperty("value").GetString());

        var (badCode, _, badErr) = CliProcess.Run(cli!, "proof", "--db", db, "0x1234");
        Assert.NotEqual(0, badCode);
        Assert.Contains("not a 20-byte hex address", badErr);
        Assert.Single(badErr.Trim().Split('\n'));
        var (missingCode, _, missingErr) = CliProcess.Run(cli!, "proof", "--db", dir.Sub("none"), address.ToString());
        Assert.NotEqual(0, missingCode);
        Assert.Contains("no such database folder", missingErr);
        Assert.False(Directory.Exists(dir.Sub("none")));
    }
}
