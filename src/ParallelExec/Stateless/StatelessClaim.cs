using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>
/// What a block producer (a rollup operator) claims about a block: the state root after it, and
/// optionally its per-transaction result digests (<see cref="Execution.BlockResult.TransactionDigests"/>),
/// with which a verifier that disagrees names the first transaction whose result differs.
/// </summary>
/// <param name="PostStateRoot">The claimed state root after the block.</param>
/// <param name="TransactionDigests">The claimed digest of each transaction, in block order; null when not claimed.</param>
public sealed record StatelessClaim(Hash256 PostStateRoot, IReadOnlyList<Hash256>? TransactionDigests = null);
