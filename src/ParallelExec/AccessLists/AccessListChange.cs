using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// One entry of a change list in a block access list: the value a location held after the
/// transaction at <see cref="Index"/> (EIP-7928's block access index: 1..n for the block's
/// transactions, transaction i having index i + 1).
/// </summary>
/// <param name="Index">The block access index of the transaction that made the change.</param>
/// <param name="Value">The post-value: a storage word, a balance, a nonce or a code-hash word.</param>
public readonly record struct AccessListChange(ushort Index, UInt256 Value);
