using ParallelExec.Blocks;
using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>A rollup batch's transition, verified block by block from witnesses alone.</summary>
public sealed partial class StatelessVerifier
{
    /// <summary>
    /// Verifies <paramref name="blocks"/> (a batch's, in order) from <paramref name="previousRoot"/> to
    /// <paramref name="claimedNewRoot"/>, block i from <paramref name="witnesses"/>[i]. Each
    /// intermediate root the operator implies is the pre-state root of the next block's witness (and
    /// must equal a root the block records, when it records one): block i must reach it, and the last
    /// block the batch's new root. The first block that fails fails the batch, its message prefixed
    /// with the block's number; <paramref name="digests"/> (per block, optional) name its first
    /// diverging transaction as in <see cref="Verify(in Hash256, Execution.Block, ExecutionWitness, StatelessClaim)"/>.
    /// </summary>
    public VerificationResult VerifyBatch(in Hash256 previousRoot, IReadOnlyList<ChainBlock> blocks, IReadOnlyList<ExecutionWitness> witnesses,
        in Hash256 claimedNewRoot, IReadOnlyList<IReadOnlyList<Hash256>?>? digests = null)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(witnesses);
        if (blocks.Count == 0) return Fail(VerificationOutcome.MalformedWitness, "the batch holds no block");
        if (witnesses.Count != blocks.Count)
            return Fail(VerificationOutcome.MalformedWitness, $"the batch holds {blocks.Count} blocks but {witnesses.Count} witnesses were given");
        var pre = previousRoot;
        VerificationResult? last = null;
        for (int i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            var claimed = i == blocks.Count - 1 ? claimedNewRoot : witnesses[i + 1].PreStateRoot;
            if (block.HasExpectedRoot && block.ExpectedRoot != claimed)
                return Fail(VerificationOutcome.PostRootMismatch, $"block {block.Number}: it records root {block.ExpectedRoot}, but the batch implies {claimed}");
            var verdict = Verify(pre, block.Block, witnesses[i], new StatelessClaim(claimed, digests?[i]));
            if (!verdict.IsProven) return verdict with { Message = $"block {block.Number}: {verdict.Message}" };
            pre = claimed;
            last = verdict;
        }
        return last! with { Message = $"proven: blocks {blocks[0].Number}..{blocks[^1].Number} take {previousRoot} to {claimedNewRoot}" };
    }
}
