using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>Undoing blocks by ordinary updates: what <see cref="Apply(ReadOnlySpan{StateChange}, int)"/> cannot express.</summary>
public sealed partial class StateTrie
{
    /// <summary>
    /// Makes the account's fields (nonce, balance, code hash) absent, as before a block created them:
    /// a change can set a field, even to zero, but not remove it. Without a non-zero slot the account
    /// then leaves the account trie at the next <see cref="ComputeRoot(int)"/>.
    /// </summary>
    public void RemoveAccountFields(in Address address)
    {
        var account = GetOrAdd(address);
        account.HasFields = false;
        account.Nonce = 0;
        account.Balance = UInt256.Zero;
        account.CodeHash = UInt256.Zero;
    }
}
