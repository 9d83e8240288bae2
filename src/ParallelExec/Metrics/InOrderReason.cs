using ParallelExec.Execution;

namespace ParallelExec.Metrics;

/// <summary>
/// Why a parallel executor ran transactions in order (the committer executing them itself instead of
/// workers speculating), inferred from a block's <see cref="BlockExecutionStats"/>: what a node logs
/// beside a block that ran in order, and what the bench table names for each row, so a row that ran
/// in order says why, not only how much.
/// </summary>
public static class InOrderReason
{
    /// <summary>One worker: there is nothing to speculate with; every transaction runs in order.</summary>
    public const string OneWorker = "1 worker";
    /// <summary><c>--speculation in-order</c> asked for it.</summary>
    public const string Forced = "forced";
    /// <summary>Speculative results went stale (a dependency chain): stretches ran in order.</summary>
    public const string Contention = "contention";
    /// <summary>Speculating cost more per transaction than running in order (cheap transactions, busy cores).</summary>
    public const string NoPayoff = "no payoff";
    /// <summary>Speculation paid; short stretches ran in order only to measure what that costs, the reference it is judged by.</summary>
    public const string Measuring = "measuring";
    /// <summary>Workers left transactions whose declared predecessor had not run; the committer ran them.</summary>
    public const string Hints = "hints";
    /// <summary>The committer reached transactions a worker was still running and ran them itself rather than wait.</summary>
    public const string Takeover = "take-overs";
    /// <summary>Re-executions of stale results (the committer re-runs them in place), nothing else.</summary>
    public const string Reexecution = "re-runs";

    /// <summary>What each reason means, for the note under the table.</summary>
    public static readonly IReadOnlyDictionary<string, string> Meanings = new Dictionary<string, string>
    {
        [OneWorker] = "one worker runs every transaction in order",
        [Forced] = "--speculation in-order",
        [Contention] = "speculative results kept going stale (a dependency chain), so stretches ran in order",
        [NoPayoff] = "speculating cost more per transaction than running in order (cheap transactions or busy cores)",
        [Measuring] = "speculation paid; short stretches ran in order to measure what running in order costs, the reference it is judged by",
        [Hints] = "transactions waited for a declared predecessor",
        [Takeover] = "the committer ran transactions a worker had not finished, rather than wait",
        [Reexecution] = "stale results re-run in place",
    };

    // A quarter of a contention window's speculative results going stale starts a stretch; an eighth
    // over the whole block means contention rather than cost drove the stretches.
    private const int StaleShareForContention = 8;

    /// <summary>
    /// The reason for a block's in-order transactions, or null when none ran in order. A block run wholly
    /// in order because earlier blocks lost to speculation gets <paramref name="learnedFrom"/>: the reason
    /// of the last block that speculated and fell back (what the executor learned from).
    /// </summary>
    public static string? Of(BlockExecutionStats stats, SpeculationMode mode, string? learnedFrom)
    {
        ArgumentNullException.ThrowIfNull(stats);
        if (stats.CommitterExecutions == 0) return null;
        if (stats.Workers == 1 || stats.Transactions == 1) return OneWorker;
        if (mode == SpeculationMode.InOrder) return Forced;
        long speculative = stats.Executions - stats.CommitterExecutions;
        // A whole block in order follows lost blocks: one whose stretches only measured lost on its own time.
        if (speculative == 0 && stats.SequentialFallbacks > 0) return learnedFrom is null or Measuring ? NoPayoff : learnedFrom;
        if (stats.SequentialFallbacks > 0)
        {
            if (stats.ValidationFailures * StaleShareForContention >= speculative) return Contention;
            // Every stretch only measured the in-order cost: speculation never lost a window.
            return stats.MeasuringStretches == stats.SequentialFallbacks ? Measuring : NoPayoff;
        }
        if (stats.DependencyWaits > 0) return Hints;
        return stats.Takeovers > stats.ValidationFailures ? Takeover : Reexecution;
    }
}
