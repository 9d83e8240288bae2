using ParallelExec.Execution;
using ParallelExec.Stateless;

namespace ParallelExec.Storage;

/// <summary>A block's execution witness (<see cref="ChainState.Witness"/>) and the result of the execution it was built from.</summary>
/// <param name="Witness">The block's pre-state values and the trie nodes proving them.</param>
/// <param name="Result">The block's receipts, changes and touched keys, executed over the head's state.</param>
public sealed record BlockWitness(ExecutionWitness Witness, BlockResult Result);
