namespace ParallelExec.Metrics;

/// <summary>
/// What the .NET garbage collector did over a stretch of a run: its collections by the generation
/// each collected (a gen2 collection is a full one, counted there only) and the time they paused the
/// process. Over a large state much of a block's time that is neither execution, hashing nor
/// writing is here: every full collection marks the whole trie held in memory.
/// </summary>
public readonly record struct CollectorActivity(int Gen0, int Gen1, int Gen2, TimeSpan Pause)
{
    /// <summary>The collector's totals since the process started, to subtract from a later <see cref="Now"/> (<see cref="Since"/>).</summary>
    public static CollectorActivity Now()
    {
        // CollectionCount(n) counts the collections of generation n and older ones. Read again if a
        // gen1 or full collection came between the reads: it would count under a younger generation.
        int gen2, gen1, gen0;
        do
        {
            gen2 = GC.CollectionCount(2);
            gen1 = GC.CollectionCount(1);
            gen0 = GC.CollectionCount(0);
        }
        while (gen2 != GC.CollectionCount(2) || gen1 != GC.CollectionCount(1));
        return new CollectorActivity(gen0 - gen1, gen1 - gen2, gen2, GC.GetTotalPauseDuration());
    }

    /// <summary>The collections and pauses since <paramref name="start"/> (a <see cref="Now"/> taken earlier).</summary>
    public CollectorActivity Since(CollectorActivity start) =>
        new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, Pause - start.Pause);

    /// <summary>Collections of every generation.</summary>
    public int Collections => Gen0 + Gen1 + Gen2;
}
