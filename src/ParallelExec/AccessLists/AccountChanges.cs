using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// One account of a block access list (EIP-7928's <c>AccountChanges</c>): the storage slots the
/// block changed (with every post-value) or only read, and the post-values of the account's balance,
/// nonce and code. An account the block accessed without changing it has all lists empty.
/// Lists are ordered as the EIP requires; <see cref="BlockAccessList"/> checks it.
/// </summary>
/// <param name="Address">The account.</param>
/// <param name="StorageChanges">Changed slots, ascending by slot.</param>
/// <param name="StorageReads">Slots read (or written with an unchanged value) and never changed, ascending.</param>
/// <param name="BalanceChanges">Post-balances, ascending by index.</param>
/// <param name="NonceChanges">Post-nonces (64-bit), ascending by index.</param>
/// <param name="CodeChanges">
/// Post code hashes, ascending by index. This engine keeps a code-hash word per account instead of
/// code bytes; in RLP and JSON the "code" of a change is that word's 32 bytes, or empty for zero (no code).
/// </param>
public sealed record AccountChanges(
    Address Address,
    SlotChanges[] StorageChanges,
    UInt256[] StorageReads,
    AccessListChange[] BalanceChanges,
    AccessListChange[] NonceChanges,
    AccessListChange[] CodeChanges)
{
    /// <summary>An accessed account with no changes and no storage reads.</summary>
    public static AccountChanges Accessed(Address address) => new(address, [], [], [], [], []);
}
