using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>
/// One key of a witness with its value in the block's pre-state, as the pre-state trie commits it:
/// an account field is present when the account has a leaf in the account trie, a storage slot when
/// its storage trie has a leaf for it (a non-zero value). An absent key reads as zero.
/// </summary>
/// <param name="Key">The state key.</param>
/// <param name="Present">Whether the pre-state trie holds the key.</param>
/// <param name="Value">The pre-state value (zero when absent).</param>
public readonly record struct WitnessEntry(StateKey Key, bool Present, UInt256 Value);
