using System.Diagnostics;
using ParallelExec.Execution;

namespace ParallelExec.Scheduling;

/// <summary>
/// Decides, as the committer walks the block, whether workers should speculate or pause while the
/// committer runs a stretch of transactions in order. Two reasons to pause:
/// <list type="bullet">
/// <item><b>Contention.</b> A quarter of a window of 32 speculative results had to be re-executed:
/// the block is a dependency chain, and speculation only burns cores and memory bandwidth. The
/// stretch grows fourfold while contention persists and halves after a clean window.</item>
/// <item><b>No payoff.</b> Transactions so cheap that the parallel path's fixed costs (publishing,
/// validation, cache lines moving between cores) exceed the work it spreads: two windows of 256
/// commits in a row (one can be noise) made while speculating took longer per transaction than
/// in-order execution does. This stretch grows fourfold while speculation keeps losing and halves
/// when a window shows it winning.</item>
/// </list>
/// The in-order cost is measured, never assumed, and kept fresh: by the stretches themselves
/// (counting only transactions the committer executed: results speculated before the pause are
/// merely validated, which is cheaper and would flatter in-order execution), by every block run
/// wholly in order, and, while speculation keeps winning, by a short measuring stretch every
/// <see cref="RemeasureAfterWindows"/> payoff windows. Each measurement weighs half, so a cost
/// learned while the JIT was cold (2–3x the warm cost) is gone after a few: the worst case does not
/// depend on what the first block of a process happened to measure.
/// What is learned carries over to the next block (a node's blocks look alike). A speculating
/// block is lost when it ends inside a stretch covering half of it, or takes longer than running
/// it wholly in order would: its start and switches cost more than running it in order from the
/// first transaction (15–30 % on a hot counter with 2 workers, see docs/performance.md). That
/// reference is the cost per transaction of blocks run wholly in order, once one has run: a
/// stretch inside a speculating block runs the same transactions 20–30 % slower (over the block's
/// key ids, between speculative commits; one that outlasts the block does not, see BlockRun), so
/// a block that only beats the stretches' cost may still lose. A block that wins by less than
/// <see cref="NarrowWin"/> against a reference that is only a stretch's, or one older than
/// <see cref="BlockCostMaxAge"/> blocks, has the next block run in order to measure it. After two
/// lost blocks in a row (one can be noise) the next blocks run wholly in order, with no
/// multi-version memory at all, and every so often one block probes by speculating again; the gap between probes doubles while they keep losing (up to
/// <see cref="MaxProbeGap"/>) and closes as soon as one does not. Pausing is only ever a question
/// of speed: the result is the same on any schedule. Used by the committer only; workers read
/// <see cref="Sequential"/>.
/// </summary>
internal sealed class SpeculationMonitor(Func<long>? clock = null)
{
    private const int ContentionWindow = 32;
    private const int FallbackFailures = ContentionWindow / 4;
    private const int CleanFailures = ContentionWindow / 16;
    private const int MinStretch = 64;
    private const int MaxStretch = 16_384;

    /// <summary>Commits per payoff window while speculating.</summary>
    public const int PayoffWindow = 256;
    /// <summary>Length of the first no-payoff stretch, and of the stretch that first measures the in-order cost.</summary>
    public const int MinPayoffStretch = 256;
    /// <summary>Payoff windows that must lose in a row before a no-payoff stretch starts.</summary>
    public const int LosingWindowsBeforeStretch = 2;
    /// <summary>At most this many blocks run wholly in order between two probing blocks.</summary>
    public const int MaxProbeGap = 16;
    /// <summary>Blocks lost to speculation in a row before blocks start running wholly in order.</summary>
    public const int LostBlocksBeforeInOrder = 2;
    /// <summary>
    /// Payoff windows (of <see cref="PayoffWindow"/> commits) after which a measuring stretch of
    /// <see cref="MinPayoffStretch"/> re-learns the in-order cost: about 3 % of commits run in order.
    /// </summary>
    public const int RemeasureAfterWindows = 32;
    /// <summary>A speculating block that took more than this share of the in-order reference won narrowly.</summary>
    public const double NarrowWin = 0.8;
    /// <summary>Blocks after which a narrow win has the in-order block cost measured again.</summary>
    public const int BlockCostMaxAge = 16;

    private readonly Func<long> _clock = clock ?? Stopwatch.GetTimestamp;

    // Contention: speculative results seen and stale in the current window.
    private int _seen, _failed;
    private int _contentionStretch = MinStretch;

    // Payoff: commits in the current speculative window (0: the window starts at the next commit).
    private int _windowCommits;
    private long _windowStart;
    private int _payoffStretch = MinPayoffStretch;
    private int _losingWindows; // losing payoff windows in a row
    // Ticks per transaction executed in order by the committer, once a stretch has measured it.
    private double _inOrderCost;
    private bool _inOrderMeasured;
    private int _windowsSinceMeasured;
    // Ticks per transaction of blocks run wholly in order (the reference a speculating block must beat).
    private double _blockCost;
    private bool _blockCostMeasured;
    private int _blocksSinceBlockCost;

    // The current stretch: in-order executions left, and executions counted since the clock started.
    private int _remaining, _inOrderRun;
    private long _inOrderStart;
    private volatile bool _sequential;

    // Blocks: whether the current one runs wholly in order, how many more will before the next
    // probe, and the gap that the last losing probe set.
    private bool _inOrderBlock;
    private int _inOrderBlocksLeft, _probeGap, _lostInARow;

    public bool Sequential => _sequential;

    /// <summary>Stretches started in this block, for either reason.</summary>
    public long Fallbacks { get; private set; }

    /// <summary>Of <see cref="Fallbacks"/>, those started because speculation did not pay (including the measuring ones).</summary>
    public long NoPayoffFallbacks { get; private set; }

    /// <summary>
    /// Of <see cref="NoPayoffFallbacks"/>, those started only to measure the in-order cost (the first
    /// payoff window's, and one every <see cref="RemeasureAfterWindows"/> windows while speculation
    /// wins): no window had lost.
    /// </summary>
    public long MeasuringFallbacks { get; private set; }

    /// <summary>The learned cost of in-order execution, in clock ticks per transaction (null: not measured yet).</summary>
    public double? InOrderCost => _inOrderMeasured ? _inOrderCost : null;

    /// <summary>During a stretch, the in-order executions left in it.</summary>
    public int StretchRemaining => _sequential ? _remaining : 0;

    /// <summary>Lets workers speculate again after a sequential stretch.</summary>
    public void Resume() => _sequential = false;

    /// <summary>
    /// Starts a block with the stretches and cost learned so far. Returns true when the block
    /// speculates, false when it runs wholly in order: earlier blocks lost to speculation, or
    /// <paramref name="mode"/> says so. Such a block counts as one fallback and teaches nothing.
    /// </summary>
    public bool StartBlock(SpeculationMode mode = SpeculationMode.Adaptive)
    {
        _seen = _failed = _remaining = _windowCommits = _inOrderRun = _losingWindows = 0;
        _sequential = false;
        Fallbacks = NoPayoffFallbacks = MeasuringFallbacks = 0;
        // SpeculateFirst makes the block a probe whatever the count says: EndBlock learns from it.
        bool learnedInOrder = mode == SpeculationMode.Adaptive && _inOrderBlocksLeft > 0;
        if (learnedInOrder) _inOrderBlocksLeft--;
        _inOrderBlock = learnedInOrder || mode == SpeculationMode.InOrder;
        if (!_inOrderBlock) return true;
        Fallbacks = 1;
        return false;
    }

    /// <summary>
    /// Ends a block of <paramref name="transactions"/> that took <paramref name="elapsedTicks"/>: a
    /// speculating block lost if it ended in a stretch covering at least half of it, or took longer
    /// than the learned in-order cost for as many transactions; after two such blocks in a row, the
    /// next blocks run in order until the next probe.
    /// </summary>
    public void EndBlock(int transactions, long elapsedTicks = 0)
    {
        if (transactions == 0) return;
        if (_inOrderBlock)
        {
            // It learned nothing about speculation, but measured in-order execution, block costs included.
            if (elapsedTicks > 0)
            {
                double cost = elapsedTicks / (double)transactions;
                LearnInOrderCost(cost);
                Learn(ref _blockCost, ref _blockCostMeasured, cost);
                _blocksSinceBlockCost = 0;
            }
            return;
        }
        _blocksSinceBlockCost++;
        bool endedInLongStretch = _sequential && _inOrderRun * 2L >= transactions;
        // Speculation that never lost a payoff window by much can still lose the block: its start,
        // windows that lose and win in turn, the switches. The block's own time says so.
        bool referenceKnown = _blockCostMeasured || _inOrderMeasured;
        double reference = (_blockCostMeasured ? _blockCost : _inOrderCost) * transactions;
        bool slowerThanInOrder = referenceKnown && elapsedTicks > reference;
        if (!endedInLongStretch && !slowerThanInOrder)
        {
            _lostInARow = _probeGap = _inOrderBlocksLeft = 0;
            // A narrow win against a reference a stretch measured, or an old one: measure it on a whole block.
            if (referenceKnown && elapsedTicks > NarrowWin * reference && (!_blockCostMeasured || _blocksSinceBlockCost >= BlockCostMaxAge))
                _inOrderBlocksLeft = 1;
            return;
        }
        // One lost block can be noise (a worker descheduled during a payoff window); two in a row
        // are the workload. A probe that loses doubles the gap.
        if (++_lostInARow < LostBlocksBeforeInOrder && _probeGap == 0) return;
        _probeGap = Math.Clamp(_probeGap * 2, 1, MaxProbeGap);
        _inOrderBlocksLeft = _probeGap;
    }

    /// <summary>
    /// Records one commit: of a speculative result (valid, or <paramref name="validationFailed"/>),
    /// or of a transaction the committer ran in order (<paramref name="speculated"/> false). Returns
    /// true when a sequential stretch has ended: the caller brings multi-version memory up to date
    /// and then calls <see cref="Resume"/>.
    /// </summary>
    public bool Record(bool validationFailed, bool speculated = true)
    {
        if (_sequential) return RecordInStretch(speculated);

        if (speculated)
        {
            _seen++;
            if (validationFailed) _failed++;
            if (_failed >= FallbackFailures)
            {
                StartStretch(_contentionStretch);
                _contentionStretch = Math.Min(_contentionStretch * 4, MaxStretch);
                return false;
            }
            if (_seen == ContentionWindow)
            {
                if (_failed <= CleanFailures) _contentionStretch = Math.Max(MinStretch, _contentionStretch / 2);
                _seen = _failed = 0;
            }
        }

        if (_windowCommits++ == 0)
        {
            _windowStart = _clock();
            return false;
        }
        if (_windowCommits <= PayoffWindow) return false;
        double speculativeCost = (_clock() - _windowStart) / (double)PayoffWindow;
        _windowCommits = 0;
        if (!_inOrderMeasured || ++_windowsSinceMeasured >= RemeasureAfterWindows)
        {
            // Nothing to compare with yet, or a cost learned too long ago: measure in-order execution.
            NoPayoffFallbacks++;
            MeasuringFallbacks++;
            StartStretch(MinPayoffStretch);
        }
        else if (speculativeCost > _inOrderCost)
        {
            // One slow window can be noise (a worker descheduled for a millisecond on a busy
            // machine); a stretch starts only when the next window loses too.
            if (++_losingWindows < LosingWindowsBeforeStretch) return false;
            NoPayoffFallbacks++;
            StartStretch(_payoffStretch);
            _payoffStretch = Math.Min(_payoffStretch * 4, MaxStretch);
        }
        else
        {
            _losingWindows = 0;
            _payoffStretch = Math.Max(MinPayoffStretch, _payoffStretch / 2);
        }
        return false;
    }

    private bool RecordInStretch(bool speculated)
    {
        if (speculated) return false; // finished before the pause: validated, not executed
        if (_inOrderRun++ == 0) _inOrderStart = _clock();
        if (--_remaining > 0) return false;
        if (_inOrderRun > 1) LearnInOrderCost((_clock() - _inOrderStart) / (double)(_inOrderRun - 1));
        return true;
    }

    private void LearnInOrderCost(double cost)
    {
        Learn(ref _inOrderCost, ref _inOrderMeasured, cost);
        _windowsSinceMeasured = 0;
    }

    // A new measurement weighs half: an old one (a cold JIT's) fades after a few.
    private static void Learn(ref double cost, ref bool measured, double sample)
    {
        cost = measured ? (cost + sample) / 2 : sample;
        measured = true;
    }

    private void StartStretch(int length)
    {
        _sequential = true;
        _remaining = length;
        _inOrderRun = 0;
        _seen = _failed = _windowCommits = _losingWindows = 0;
        Fallbacks++;
    }
}
