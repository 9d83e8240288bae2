using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Stateless;

namespace ParallelExec.Storage;

/// <summary>What <see cref="StoredChainWitness.Build"/> made.</summary>
/// <param name="Witness">The block's witness.</param>
/// <param name="Result">The block's execution over the store's head state.</param>
/// <param name="Block">The block, as the chain file holds it.</param>
/// <param name="RecordBytes">The size of the block's record in the chain file.</param>
/// <param name="PostStateRoot">The state root after the block, computed from the witness alone.</param>
public sealed record StoredWitness(ExecutionWitness Witness, BlockResult Result, ChainBlock Block, long RecordBytes, Hash256 PostStateRoot);
