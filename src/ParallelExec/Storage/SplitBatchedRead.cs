using System.Buffers;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// A batched read (<see cref="IStateReader.TryGetMany"/>) by a reader layered over another: the keys it
/// answers itself (a pending block's changes, values it has seen) come from it, the rest from the
/// reader underneath in one batch (RocksDB: one MultiGet), with pooled buffers (no allocation per key).
/// </summary>
internal static class SplitBatchedRead
{
    /// <summary>What a layered reader answers itself, and what it learns from the batch.</summary>
    public interface IOwnAnswers
    {
        /// <summary>True when the reader answers <paramref name="key"/> itself.</summary>
        bool TryAnswer(in StateKey key, out UInt256 value, out bool found);

        /// <summary>The batch read <paramref name="key"/> from underneath.</summary>
        void Learned(in StateKey key, bool found, in UInt256 value);
    }

    /// <summary>Answers <paramref name="keys"/> from <paramref name="own"/>, else from <paramref name="under"/> in one batch.</summary>
    public static void Read<T>(T own, IStateReader under, ReadOnlySpan<StateKey> keys, Span<UInt256> values, Span<bool> found) where T : IOwnAnswers
    {
        if (values.Length < keys.Length || found.Length < keys.Length) throw new ArgumentException("values and found must be as long as keys");
        var rest = ArrayPool<StateKey>.Shared.Rent(keys.Length);
        var positions = ArrayPool<int>.Shared.Rent(keys.Length);
        var restValues = ArrayPool<UInt256>.Shared.Rent(keys.Length);
        var restFound = ArrayPool<bool>.Shared.Rent(keys.Length);
        try
        {
            int n = 0;
            for (int i = 0; i < keys.Length; i++)
            {
                if (own.TryAnswer(keys[i], out values[i], out found[i])) continue;
                rest[n] = keys[i];
                positions[n++] = i;
            }
            if (n == 0) return;
            under.TryGetMany(rest.AsSpan(0, n), restValues.AsSpan(0, n), restFound.AsSpan(0, n));
            for (int j = 0; j < n; j++)
            {
                values[positions[j]] = restValues[j];
                found[positions[j]] = restFound[j];
                own.Learned(rest[j], restFound[j], restValues[j]);
            }
        }
        finally
        {
            ArrayPool<StateKey>.Shared.Return(rest);
            ArrayPool<int>.Shared.Return(positions);
            ArrayPool<UInt256>.Shared.Return(restValues);
            ArrayPool<bool>.Shared.Return(restFound);
        }
    }
}
