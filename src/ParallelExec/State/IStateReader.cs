namespace ParallelExec.State;

/// <summary>
/// Read access to a committed world state: the state a block starts from. Implementations must be
/// safe for concurrent reads (the parallel executor reads from all workers at once).
/// A location that was never written reads as zero.
/// </summary>
public interface IStateReader
{
    /// <summary>Returns true and the value when the location exists in the state.</summary>
    bool TryGet(in StateKey key, out UInt256 value);

    /// <summary>
    /// Reads many locations at once: <paramref name="found"/>[i] and <paramref name="values"/>[i] are
    /// what <see cref="TryGet"/> gives for keys[i]. Stores that can batch lookups override it (RocksDB's
    /// MultiGet); by default it reads the keys one by one.
    /// </summary>
    void TryGetMany(ReadOnlySpan<StateKey> keys, Span<UInt256> values, Span<bool> found)
    {
        if (values.Length < keys.Length || found.Length < keys.Length) throw new ArgumentException("values and found must be as long as keys");
        for (int i = 0; i < keys.Length; i++) found[i] = TryGet(keys[i], out values[i]);
    }
}
