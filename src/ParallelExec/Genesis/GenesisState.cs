using ParallelExec.State;

namespace ParallelExec.Genesis;

/// <summary>
/// A genesis allocation as flat state: every account's nonce, balance and code-hash keys are written
/// (even when zero, so zero-balance accounts exist) plus its non-zero storage slots.
/// </summary>
public sealed class GenesisState
{
    internal GenesisState(InMemoryState state, IReadOnlyList<Address> accounts, IReadOnlyDictionary<Hash256, byte[]> code)
    {
        State = state;
        Accounts = accounts;
        Code = code;
    }

    /// <summary>The allocation as state: nonce, balance, code hash and storage of every account.</summary>
    public InMemoryState State { get; }

    /// <summary>The allocated addresses in file order.</summary>
    public IReadOnlyList<Address> Accounts { get; }

    /// <summary>The number of allocated accounts.</summary>
    public int AccountCount => Accounts.Count;

    /// <summary>Contract code by its Keccak-256 hash (the value of the accounts' code-hash keys).</summary>
    public IReadOnlyDictionary<Hash256, byte[]> Code { get; }
}
