using System.Diagnostics;
using ParallelExec.Crypto;
using ParallelExec.Execution;
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
public sealed class StatelessVerifier
{
    private readonly IBlockExecutor _executor;
    private readonly IPostStateRootComputer? _postRoot;
    private readonly ExecutionOptions _options;

    /// <summary>
    /// A verifier executing with <paramref name="executor"/> (a <see cref="Scheduling.ParallelExecutor"/>
    /// for parallel verification) and computing post-state roots with <paramref name="postRoot"/>
    /// (null: that step is not available, and a verification that gets there ends as
    /// <see cref="VerificationOutcome.PostRootUnavailable"/>); <paramref name="speculation"/> is how
    /// the parallel executor may speculate.
    /// </summary>
    public StatelessVerifier(IBlockExecutor executor, IPostStateRootComputer? postRoot, SpeculationMode speculation = SpeculationMode.Adaptive)
    {
        _executor = executor ?? throw new ArgumentNullException(nameof(executor));
        _postRoot = postRoot;
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
        if (CheckPreState(preStateRoot, witness, nodes) is { } notProven) return notProven with { ProofTime = Stopwatch.GetElapsedTime(started) };
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

        if (_postRoot is null)
        {
            return Fail(VerificationOutcome.PostRootUnavailable,
                $"the witness proves the pre-state ({witness.Entries.Count} keys, {witness.Nodes.Count} nodes) and the block's {block.Transactions.Count} transactions executed on it alone, but the post-state root step is not available in this build") with
            {
                ProofTime = proofTime, ExecutionTime = executionTime, Stats = result.Stats,
            };
        }
        started = Stopwatch.GetTimestamp();
        Hash256 computed;
        try
        {
            computed = _postRoot.ComputePostStateRoot(preStateRoot, nodes, values, result.Changes);
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

    // Every entry's value as the witness's nodes prove it; the first that is not, or the node that is
    // missing or malformed on its way, fails the verification.
    private static VerificationResult? CheckPreState(in Hash256 root, ExecutionWitness witness, ITrieNodeSource nodes)
    {
        var entries = witness.Entries;
        var provenCodes = new SortedSet<Hash256>(HashOrder.Instance);
        var slots = new List<UInt256>();
        int i = 0;
        while (i < entries.Count)
        {
            var address = entries[i].Key.Address;
            int end = i;
            slots.Clear();
            while (end < entries.Count && entries[end].Key.Address.Equals(address))
            {
                if (entries[end].Key.Kind == StateKeyKind.Storage) slots.Add(entries[end].Key.Slot);
                end++;
            }
            AccountProof proof;
            try
            {
                proof = StateProofs.Get(nodes, root, address, slots);
            }
            catch (Exception e) when (e is not OutOfMemoryException) // a missing node, or one that does not parse
            {
                return Fail(VerificationOutcome.PreStateNotProven, $"{entries[i].Key}: {e.Message}") with { Key = entries[i].Key };
            }
            if (proof.Exists && proof.CodeHash != Keccak256.OfEmpty) provenCodes.Add(proof.CodeHash);
            int s = 0;
            for (; i < end; i++)
            {
                var entry = entries[i];
                bool present;
                UInt256 value;
                if (entry.Key.Kind == StateKeyKind.Storage)
                {
                    value = proof.StorageProof[s++].Value;
                    present = !value.IsZero;
                }
                else
                {
                    present = proof.Exists;
                    value = present ? WitnessBuilder.FieldOf(proof, entry.Key.Kind) : UInt256.Zero;
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
