namespace ParallelExec.State;

/// <summary>
/// Which part of the world state a <see cref="StateKey"/> names. Account fields are separate keys so
/// that a balance credit (fees, transfers in) never conflicts with a nonce check.
/// </summary>
public enum StateKeyKind : byte
{
    /// <summary>The account's nonce.</summary>
    Nonce = 0,
    /// <summary>The account's balance.</summary>
    Balance = 1,
    /// <summary>Keccak-256 of the account's code as a word; zero means "no code".</summary>
    CodeHash = 2,
    /// <summary>A storage slot of the account.</summary>
    Storage = 3,
}
