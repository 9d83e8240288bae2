namespace ParallelExec.Crypto;

/// <summary>
/// Keccak-f[1600] over <see cref="Width"/> independent states held lane-interleaved: lane j of state
/// s is at <c>state[j * Width + s]</c>, so one vector load holds lane j of every state. A static
/// interface lets <see cref="Keccak256Batch"/> be written once and specialised per width by the JIT.
/// </summary>
internal interface IKeccakF1600Lanes
{
    /// <summary>States permuted by one call.</summary>
    static abstract int Width { get; }

    /// <summary>Whether this machine runs the instructions the permutation needs.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Permutes the 25 * <see cref="Width"/> lanes at <paramref name="state"/> in place.</summary>
    static abstract unsafe void Permute(ulong* state);
}
