namespace ParallelExec.Tests.Execution;

/// <summary>
/// Runs a test's pass over its blocks again until the speculative path has committed something. With
/// other test classes busy on 2 cores the workers can starve for a whole pass of small blocks, and the
/// committer, which never waits on them, then runs every transaction itself (seen once in ~30 runs of
/// the suite: not one output kept as speculated over 31 blocks on three executors, in 103 ms). Every
/// pass is checked against sequential execution like the first, so a repeat only adds checking; the
/// speculative path must still have run within <paramref name="maxPasses"/> passes.
/// </summary>
internal static class SpeculationPasses
{
    /// <summary>Runs <paramref name="pass"/> (returning the outputs it committed as speculated) until one is, at most <paramref name="maxPasses"/> times; returns their sum.</summary>
    public static long RunUntilSpeculated(Func<long> pass, int maxPasses = 20)
    {
        long speculated = 0;
        for (int i = 0; i < maxPasses && speculated == 0; i++) speculated += pass();
        return speculated;
    }
}
