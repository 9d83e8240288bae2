using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Tests.Execution.UnitTests;

public sealed class BlockOverlayTests
{
    private static readonly StateKey A = Keys.Slot(1), B = Keys.Slot(2), C = Keys.Slot(3), D = Keys.Slot(4);

    private static BlockOverlay NewOverlay(InMemoryState state)
    {
        var overlay = new BlockOverlay(4);
        overlay.Reset(state, 4);
        return overlay;
    }

    private static InMemoryState StartState()
    {
        var state = new InMemoryState();
        state.Set(A, 1);
        state.Set(B, 2);
        state.Set(C, 3);
        return state;
    }

    private static TxOutput Output(IEnumerable<(StateKey Key, UInt256 Value, int Source)> reads, IEnumerable<(StateKey Key, UInt256 Value, bool IsDelta)> writes)
    {
        var output = new TxOutput();
        output.Reset();
        foreach (var (key, value, source) in reads) output.AddRead(key, value, source);
        foreach (var (key, value, isDelta) in writes) output.AddWrite(key, value, isDelta);
        return output;
    }

    // Validating commits a valid output (reads of unchanged values leave every value as it was).
    private static bool Valid(BlockOverlay overlay, TxOutput output) =>
        overlay.TryCommit(output, 100, null, validate: true) == CommitResult.Committed;

    private static TxOutput Write(StateKey key, UInt256 value, bool isDelta = false) => Output([], [(key, value, isDelta)]);
    private static TxOutput ReadOf(StateKey key, UInt256 value, int source) => Output([(key, value, source)], []);

    [Fact]
    public void Validate_accepts_unchanged_reads_and_rejects_changed_ones()
    {
        var overlay = NewOverlay(StartState());
        Assert.True(Valid(overlay, ReadOf(A, 1, -1)));
        Assert.True(Valid(overlay, ReadOf(D, 0, -1))); // never written: zero
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Write(A, 5), 0, null, validate: false));
        Assert.False(Valid(overlay, ReadOf(A, 1, -1))); // saw the start, tx 0 changed it
        Assert.True(Valid(overlay, ReadOf(A, 5, 0)));
        Assert.False(Valid(overlay, ReadOf(A, 6, 0)));
        Assert.True(Valid(overlay, ReadOf(B, 2, -1)));
        // A key the committed prefix only read keeps its starting value.
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(ReadOf(B, 2, -1), 1, null, validate: false));
        Assert.True(Valid(overlay, ReadOf(B, 2, -1)));
        Assert.False(Valid(overlay, ReadOf(B, 3, -1)));
        var mixed = Output([(A, 5, 0), (B, 99, -1)], []);
        Assert.False(Valid(overlay, mixed));
    }

    [Fact]
    public void Validate_compares_a_read_of_a_withdrawn_speculative_write_with_the_start()
    {
        var overlay = NewOverlay(StartState());
        // Transaction 3 read A = 7 from a speculative write of tx 1 that the final tx 1 did not make.
        Assert.False(Valid(overlay, ReadOf(A, 7, 1)));
        // The same read from a withdrawn write that happened to equal the starting value is still right.
        Assert.True(Valid(overlay, ReadOf(A, 1, 1)));
        Assert.True(Valid(overlay, ReadOf(D, 0, 2)));
        Assert.False(Valid(overlay, ReadOf(D, 1, 2)));
    }

    [Fact]
    public void Validate_rejects_an_unresolvable_output()
    {
        var overlay = NewOverlay(StartState());
        var output = ReadOf(A, 1, -1);
        output.Invalid = true;
        Assert.False(Valid(overlay, output));
    }

    [Fact]
    public void TryCommit_applies_reads_writes_and_credits_in_first_touch_order()
    {
        var overlay = NewOverlay(StartState());
        var tx0 = Output([(C, 3, -1), (B, 2, -1)], [(A, 10, false), (B, 4, true), (D, 6, true)]);
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(tx0, 0, null, validate: false));
        Assert.Equal([C, B, A, D], overlay.CollectTouchedKeys());
        Assert.Equal([new StateChange(B, 6), new StateChange(A, 10), new StateChange(D, 6)], overlay.CollectChanges());

        var tx1 = Output([(A, 10, 0)], [(A, 5, true), (C, 30, false), (B, 1, false)]);
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(tx1, 1, null, validate: false));
        Assert.Equal([C, B, A, D], overlay.CollectTouchedKeys());
        Assert.Equal([new StateChange(C, 30), new StateChange(B, 1), new StateChange(A, 15), new StateChange(D, 6)], overlay.CollectChanges());

        Assert.True(overlay.TryRead(A, 2, out var a, out int source));
        Assert.Equal((new UInt256(15), 1), (a, source));
        Assert.True(overlay.TryRead(Keys.Slot(50), 2, out var untouched, out source));
        Assert.Equal((UInt256.Zero, -1), (untouched, source));
    }

    [Fact]
    public void TryCommit_refuses_an_overflowing_credit_and_changes_nothing()
    {
        var state = StartState();
        state.Set(D, UInt256.MaxValue - UInt256.One);
        var overlay = NewOverlay(state);
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Write(A, 5), 0, null, validate: false));
        var before = (overlay.CollectTouchedKeys(), overlay.CollectChanges());

        var tx1 = Output([(B, 2, -1)], [(C, 9, false), (A, 1, true), (D, 2, true)]);
        Assert.Equal(CommitResult.CreditOverflow, overlay.TryCommit(tx1, 1, null, validate: false));
        Assert.Equal(before.Item1, overlay.CollectTouchedKeys());
        Assert.Equal(before.Item2, overlay.CollectChanges());
        overlay.TryRead(C, 2, out var c, out _);
        Assert.Equal(new UInt256(3), c);

        // A credit that overflows against a value written earlier in the block is refused too.
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Write(B, UInt256.MaxValue), 2, null, validate: false));
        Assert.Equal(CommitResult.CreditOverflow, overlay.TryCommit(Write(B, 1, isDelta: true), 3, null, validate: false));
        overlay.TryRead(B, 4, out var b, out int source);
        Assert.Equal((UInt256.MaxValue, 2), (b, source));
        // The exact fit is accepted.
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Write(D, 1, isDelta: true), 3, null, validate: false));
        overlay.TryRead(D, 4, out var d, out _);
        Assert.Equal(UInt256.MaxValue, d);
    }

    [Fact]
    public void A_stale_read_rolls_back_everything_the_commit_had_touched()
    {
        var overlay = NewOverlay(StartState());
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Write(A, 5), 0, null, validate: false));
        var before = (overlay.CollectTouchedKeys(), overlay.CollectChanges());
        var edges = new List<(int From, int To)>();
        // Reads C (new key, valid) then A (stale): C must not stay touched, no edge must stay.
        var stale = Output([(C, 3, -1), (A, 1, -1)], [(B, 9, false)]);
        Assert.Equal(CommitResult.Invalid, overlay.TryCommit(stale, 1, edges, validate: true));
        Assert.Equal(before.Item1, overlay.CollectTouchedKeys());
        Assert.Equal(before.Item2, overlay.CollectChanges());
        Assert.Empty(edges);
        // Without validation the same output commits (final executions are never checked).
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(stale, 1, edges, validate: false));
        Assert.Equal([A, C, B], overlay.CollectTouchedKeys());
    }

    [Fact]
    public void TryCommit_records_writer_to_reader_dependency_edges()
    {
        var overlay = NewOverlay(StartState());
        var edges = new List<(int From, int To)>();
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Output([(A, 1, -1)], [(B, 7, false)]), 0, edges, validate: false));
        Assert.Empty(edges); // read the start
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Output([(B, 7, 0), (A, 1, -1)], [(C, 1, true)]), 1, edges, validate: false));
        Assert.Equal([(0, 1)], edges); // A was only read: no edge
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Output([(C, 4, 1), (B, 7, 0)], [(B, 8, false)]), 2, edges, validate: false));
        Assert.Equal([(0, 1), (1, 2), (0, 2)], edges);
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Write(C, 0), 3, edges, validate: false)); // a blind write is no edge
        Assert.Equal(3, edges.Count);
    }

    [Fact]
    public void Reset_forgets_the_previous_block()
    {
        var overlay = NewOverlay(StartState());
        Assert.Equal(CommitResult.Committed, overlay.TryCommit(Write(A, 5), 0, null, validate: false));
        var next = new InMemoryState();
        next.Set(A, 42);
        overlay.Reset(next, 1);
        Assert.Empty(overlay.CollectTouchedKeys());
        overlay.TryRead(A, 0, out var a, out int source);
        Assert.Equal((new UInt256(42), -1), (a, source));
    }
}
