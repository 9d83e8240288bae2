namespace ParallelExec.Crypto;

/// <summary>
/// A unit of synthetic CPU work: one Keccak-f[1600] permutation over a stack-resident state.
/// Transactions use it to model a virtual machine's cost per transaction. The result is folded into
/// a value the caller must use, so the JIT cannot drop the work.
/// </summary>
public static class CpuWork
{
    /// <summary>Runs <paramref name="units"/> Keccak-f[1600] permutations seeded with <paramref name="seed"/> and returns a lane of the result (so the work cannot be optimised away).</summary>
    public static ulong Run(int units, ulong seed)
    {
        if (units <= 0) return seed;
        Span<ulong> state = stackalloc ulong[KeccakF1600.Lanes];
        state.Clear();
        state[0] = seed;
        for (int i = 0; i < units; i++) KeccakF1600.Permute(state);
        return state[0] ^ state[1];
    }
}
