namespace ParallelExec.State;

/// <summary>
/// Which part of the world state a <see cref="StateKey"/> names. Account fields are separate keys so
/// that a balance credit (fees, transfers in) never conflicts with a nonce check.
/// </summary>
public enum StateKeyKind : byte
{
    Nonce = 0,
    Balance = 1,
    /// <summary>Keccak-256 of the account's code as a word; zero means "no code".</summary>
    CodeHash = 2,
    Storage = 3,
}
