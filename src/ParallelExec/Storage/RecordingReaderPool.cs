using Microsoft.Extensions.ObjectPool;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The readers that record a block's reads (<see cref="RecordingStateReader"/>), kept for the blocks
/// after it: one is taken when a block starts executing and given back once the block's commit has
/// used what it recorded, so a pipeline of blocks keeps reusing three or four of them and a block
/// allocates none. A reader that grew past <see cref="MaxRetainedKeys"/> (an unusually large block) is
/// left to the collector instead.
/// </summary>
internal sealed class RecordingReaderPool
{
    /// <summary>Room for keys past which a reader is not kept: a few times an ordinary block's 30,000 reads.</summary>
    public const int MaxRetainedKeys = 1 << 17;

    private readonly DefaultObjectPool<RecordingStateReader> _pool;
    private readonly Policy _policy = new();

    public RecordingReaderPool() => _pool = new DefaultObjectPool<RecordingStateReader>(_policy, maximumRetained: 4);

    /// <summary>Readers made so far (the rest of the blocks reused them).</summary>
    public int Made => Volatile.Read(ref _policy.Made);

    /// <summary>A reader over <paramref name="inner"/> with room for about <paramref name="capacity"/> keys.</summary>
    public RecordingStateReader Take(IStateReader inner, int capacity)
    {
        var reader = _pool.Get();
        reader.Reuse(inner, capacity);
        return reader;
    }

    /// <summary>Gives <paramref name="reader"/> back: nothing may use it, or what it recorded, afterwards.</summary>
    public void Return(RecordingStateReader reader) => _pool.Return(reader);

    private sealed class Policy : IPooledObjectPolicy<RecordingStateReader>
    {
        public int Made;

        public RecordingStateReader Create()
        {
            Interlocked.Increment(ref Made);
            return new(RecordingStateReader.NoState);
        }

        public bool Return(RecordingStateReader reader)
        {
            if (reader.Capacity > MaxRetainedKeys) return false;
            reader.Release();
            return true;
        }
    }
}
