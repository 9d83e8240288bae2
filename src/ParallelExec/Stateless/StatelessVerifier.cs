using System.Diagnostics;
using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.Rlp;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Stateless;

/// <summary>
/// Checks a block's state transition without the state database (see docs/witnesses.md):
/// (1) the witness's nodes prove each of its values against the pre-state root; (2) the block
/// executes (in parallel, with the executor given) on a state made only from the witness, where a
/// committed read of a key the witness lacks fails the block (a speculative one only sends the
/// transaction back to in-order execution); (3) the post-state root, computed from the witness by
/// the <see cref="IPostStateRootComputer"/>, equals the claim; (4) when it does not and the claim
/// carries per-transaction digests, the first transaction whose digest differs is named. Hostile
/// input gives a typed failure with one line, never an exception. One block at a time per instance.
/// </summary>
public sealed partial class StatelessVerifier
{
    private readonly IBlockExecutor _executor;
    private readonly IPostStateRootComputer _postRoot;
    private readonly ExecutionOptions _options;

    /// <summary>
    /// A verifier executing with <paramref name="executor"/> (a <see cref="Scheduling.ParallelExecutor"/>
    /// for parallel verification) and computing post-state roots with <paramref name="postRoot"/>
    /// (by default <see cref="WitnessPostStateRoot"/>: the state trie opened over the witness's nodes);
    /// <paramref name="speculation"/> is how the parallel executor may speculate.
    /// </summary>
    public StatelessVerifier(IBlockExecutor executor, IPostStateRootComputer? postRoot = null, SpeculationMode speculation = SpeculationMode.Adaptive)
    {
        _executor = executor ?? throw new ArgumentNullException(nameof(executor));
        _postRoot = postRoot ?? new WitnessPostStateRoot();
        _options = new ExecutionOptions { Speculation = speculation };
    }

    /// <summary>Verifies <paramref name="block"/> from <paramref name="preStateRoot"/> to <paramref name="claimedPostRoot"/>.</summary>
    public VerificationResult Verify(in Hash256 preStateRoot, Block block, ExecutionWitness witness, Hash256 claimedPostRoot) =>
        Verify(preStateRoot, block, witness, new StatelessClaim(claimedPostRoot));

    /// <summary>Verifies <paramref name="block"/> from <paramref name="preStateRoot"/> against <paramref name="claim"/>.</summary>
    public VerificationResult Verify(in Hash256 preStateRoot, Block block, ExecutionWitness witness, StatelessClaim claim)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(witness);
        ArgumentNullException.ThrowIfNull(claim);
        if (witness.BlockNumber != block.Header.Number)
            return Fail(VerificationOutcome.MalformedWitness, $"the witness is for block {witness.BlockNumber}, not block {block.Header.Number}");
        if (witness.PreStateRoot != preStateRoot)
            return Fail(VerificationOutcome.MalformedWitness, $"the witness is for pre-state root {witness.PreStateRoot}, not {preStateRoot}");
        var nodes = WitnessNodeSource.TryCreate(witness, out var duplicate);
        if (nodes is null) return Fail(VerificationOutcome.MalformedWitness, duplicate!);

        long started = Stopwatch.GetTimestamp();
        VerificationResult? notProven;
        try
        {
            notProven = CheckPreState(preStateRoot, witness, nodes);
        }
        catch (Exception e) when (e is not OutOfMemoryException) // a node that hashes right yet does not parse
        {
            notProven = Fail(VerificationOutcome.PreStateNotProven, $"the witness's nodes do not parse as a trie: {e.Message}");
        }
        if (notProven is not null) return notProven with { ProofTime = Stopwatch.GetElapsedTime(started) };
        var proofTime = Stopwatch.GetElapsedTime(started);

        started = Stopwatch.GetTimestamp();
        var values = new WitnessStateReader(witness);
        BlockResult result;
        try
        {
            result = _executor.Execute(block, values, _options with { RecordTransactionDigests = claim.TransactionDigests is not null });
        }
        catch (EngineFaultException e)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (MissingKey(e) is { } missing)
            {
                string who = e.TransactionIndex is { } tx ? $"transaction {tx}" : "the block";
                return Fail(VerificationOutcome.KeyOutsideWitness, $"{who} reads {missing.Key}, which the witness does not hold") with
                {
                    Transaction = e.TransactionIndex, Key = missing.Key, ProofTime = proofTime, ExecutionTime = elapsed,
                };
            }
            return Fail(VerificationOutcome.ExecutionFault, $"executing the block on the witness failed: {e.Message}") with
            {
                Transaction = e.TransactionIndex, ProofTime = proofTime, ExecutionTime = elapsed,
            };
        }
        var executionTime = Stopwatch.GetElapsedTime(started);

        started = Stopwatch.GetTimestamp();
        Hash256 computed;
        try
        {
            computed = _postRoot.ComputePostStateRoot(preStateRoot, nodes, values, result.ChangeSpan);
        }
        catch (MissingTrieNodeException e)
        {
            return Fail(VerificationOutcome.PreStateNotProven, $"the post-state root needs a node the witness lacks: {e.Message}") with
            {
                ProofTime = proofTime, ExecutionTime = executionTime, PostRootTime = Stopwatch.GetElapsedTime(started), Stats = result.Stats,
            };
        }
        var postRootTime = Stopwatch.GetElapsedTime(started);
        var timed = new VerificationResult
        {
            Outcome = VerificationOutcome.Proven, Message = "", ComputedPostRoot = computed,
            ProofTime = proofTime, ExecutionTime = executionTime, PostRootTime = postRootTime, Stats = result.Stats,
        };
        if (computed == claim.PostStateRoot)
            return timed with { Message = $"proven: block {block.Header.Number} takes {preStateRoot} to {computed}" };
        string mismatch = $"the post-state root is {computed}, not the claimed {claim.PostStateRoot}";
        if (claim.TransactionDigests is not { } claimed) return timed with { Outcome = VerificationOutcome.PostRootMismatch, Message = mismatch };
        var ours = result.TransactionDigests!;
        int first = FirstDifference(ours, claimed);
        return timed with
        {
            Outcome = VerificationOutcome.PostRootMismatch,
            Transaction = first >= 0 ? first : null,
            Message = first < 0
                ? $"{mismatch}, yet every transaction's digest agrees with the claim: the claimed root does not follow from the claimed results"
                : first >= ours.Length || first >= claimed.Count
                    ? $"{mismatch}; the claim lists {claimed.Count} transaction digests for {ours.Length} transactions (first unmatched: transaction {first})"
                    : $"{mismatch}; the first diverging transaction is {first} (digest {ours[first]}, claimed {claimed[first]})",
        };
    }

    // Every entry's value as the witness's nodes prove it, in two multiproof walks: the account trie
    // along every account's path, then each account's storage trie along its slots' paths. The
    // first entry that is not proven, or whose path needs a missing or malformed node, fails it.
    private static VerificationResult? CheckPreState(in Hash256 root, ExecutionWitness witness, WitnessNodeSource nodes)
    {
        var entries = witness.Entries;
        // The accounts, each with the index of its first entry (entries ascend by address).
        var accountStarts = new List<int>();
        for (int i = 0; i < entries.Count; i++)
            if (i == 0 || !entries[i].Key.Address.Equals(entries[i - 1].Key.Address)) accountStarts.Add(i);
        var owners = new byte[accountStarts.Count][];
        var accountPaths = new byte[accountStarts.Count][];
        for (int a = 0; a < accountPaths.Length; a++)
        {
            owners[a] = HashedKeys.Of(entries[accountStarts[a]].Key.Address);
            accountPaths[a] = CompactPath.Nibbles(owners[a]);
        }
        var leaves = ProveSorted(nodes, [], root, accountPaths, out var failed);
        if (failed is { } accountFailure)
            return Fail(VerificationOutcome.PreStateNotProven, $"{entries[accountStarts[accountFailure.Index]].Key}: {accountFailure.Message}") with { Key = entries[accountStarts[accountFailure.Index]].Key };

        var provenCodes = new SortedSet<Hash256>(); // in the hashes' byte order, as the witness lists codes
        for (int a = 0; a < accountStarts.Count; a++)
        {
            int start = accountStarts[a], end = a + 1 < accountStarts.Count ? accountStarts[a + 1] : entries.Count;
            if (!TryDecodeAccount(leaves[a], out var account))
                return Fail(VerificationOutcome.PreStateNotProven, $"{entries[start].Key}: the account's leaf is malformed") with { Key = entries[start].Key };
            if (account.Exists && account.CodeHash != Keccak256.OfEmpty) provenCodes.Add(account.CodeHash);
            var slotPaths = new List<byte[]>();
            for (int i = start; i < end; i++)
                if (entries[i].Key.Kind == StateKeyKind.Storage) slotPaths.Add(CompactPath.Nibbles(HashedKeys.Of(entries[i].Key.Slot)));
            var slots = ProveSorted(nodes, owners[a], account.StorageRoot, [.. slotPaths], out failed);
            if (failed is { } slotFailure)
            {
                // The failing slot is the account's storage entry number Index.
                var key = entries[start + entries.Skip(start).Take(end - start).Count(e => e.Key.Kind != StateKeyKind.Storage) + slotFailure.Index].Key;
                return Fail(VerificationOutcome.PreStateNotProven, $"{key}: {slotFailure.Message}") with { Key = key };
            }
            int s = 0;
            for (int i = start; i < end; i++)
            {
                var entry = entries[i];
                bool present;
                UInt256 value;
                if (entry.Key.Kind == StateKeyKind.Storage)
                {
                    if (!TryDecodeSlot(slots[s++], out present, out value))
                        return Fail(VerificationOutcome.PreStateNotProven, $"{entry.Key}: the slot's leaf is malformed") with { Key = entry.Key };
                }
                else
                {
                    present = account.Exists;
                    value = present ? HashedKeys.FieldValue(entry.Key.Kind, account.Nonce, account.Balance, account.CodeHash) : UInt256.Zero;
                }
                if (present != entry.Present || !value.Equals(entry.Value))
                {
                    return Fail(VerificationOutcome.PreStateNotProven,
                        $"{entry.Key}: the witness says {Describe(entry.Present, entry.Value)}, the pre-state root proves {Describe(present, value)}") with { Key = entry.Key };
                }
            }
        }
        if (!provenCodes.SequenceEqual(witness.Codes))
        {
            var extra = witness.Codes.Except(provenCodes).Select(c => c.ToString()).FirstOrDefault();
            var missing = provenCodes.Except(witness.Codes).Select(c => c.ToString()).FirstOrDefault();
            return Fail(VerificationOutcome.PreStateNotProven, extra is not null
                ? $"code hash {extra} is listed but no proven account has it"
                : missing is not null ? $"code hash {missing} of a proven account is not listed" : "the code hashes are not listed ascending, each once");
        }
        return null;
    }

    // MultiproofWalk over paths in any order: values come back in the given order; a failure names
    // the given index of the first key (in path order) it affects.
    private static byte[]?[] ProveSorted(WitnessNodeSource nodes, byte[] owner, in Hash256 root, byte[][] paths, out (int Index, string Message)? failed)
    {
        var order = new int[paths.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (x, y) => paths[x].AsSpan().SequenceCompareTo(paths[y]));
        var sorted = new byte[paths.Length][];
        for (int i = 0; i < order.Length; i++) sorted[i] = paths[order[i]];
        var values = new byte[]?[paths.Length];
        failed = null;
        try
        {
            var proven = MultiproofWalk.Prove(nodes, owner, root, sorted);
            for (int i = 0; i < order.Length; i++) values[order[i]] = proven[i];
        }
        catch (MultiproofException e)
        {
            failed = (order[e.FirstKey], e.Message);
        }
        return values;
    }

    private readonly record struct ProvenAccount(bool Exists, ulong Nonce, UInt256 Balance, Hash256 StorageRoot, Hash256 CodeHash);

    private static bool TryDecodeAccount(byte[]? leaf, out ProvenAccount account)
    {
        account = new ProvenAccount(false, 0, UInt256.Zero, MerklePatriciaTrie.EmptyRoot, Keccak256.OfEmpty);
        if (leaf is null) return true;
        try
        {
            var fields = new RlpReader(leaf).ReadList();
            ulong nonce = fields.ReadUInt64();
            var balance = fields.ReadUInt256();
            var storageRoot = fields.ReadString();
            var codeHash = fields.ReadString();
            fields.EnsureEnd();
            if (storageRoot.Length != Hash256.Size || codeHash.Length != Hash256.Size) return false;
            account = new ProvenAccount(true, nonce, balance, new Hash256(storageRoot), new Hash256(codeHash));
            return true;
        }
        catch (RlpException)
        {
            return false;
        }
    }

    private static bool TryDecodeSlot(byte[]? leaf, out bool present, out UInt256 value)
    {
        present = leaf is not null;
        value = UInt256.Zero;
        if (leaf is null) return true;
        try
        {
            var reader = new RlpReader(leaf);
            value = reader.ReadUInt256();
            reader.EnsureEnd();
            return !value.IsZero;
        }
        catch (RlpException)
        {
            return false;
        }
    }

    private static string Describe(bool present, in UInt256 value) => present ? $"value {value.ToHexString()}" : "absent";

    private static WitnessKeyMissingException? MissingKey(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is WitnessKeyMissingException missing) return missing;
        return null;
    }

    private static int FirstDifference(Hash256[] ours, IReadOnlyList<Hash256> claimed)
    {
        int common = Math.Min(ours.Length, claimed.Count);
        for (int i = 0; i < common; i++) if (ours[i] != claimed[i]) return i;
        return ours.Length == claimed.Count ? -1 : common;
    }

    private static VerificationResult Fail(VerificationOutcome outcome, string message) =>
        new() { Outcome = outcome, Message = message.ReplaceLineEndings(" ") };
}
