using System.Buffers.Binary;
using System.Text;
using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// The result of executing a block: one receipt per transaction, the final value of every location
/// the block wrote, and every location it read or wrote (both in the order the block first touched
/// them). Identical for every executor, worker count, schedule and set of hints.
/// </summary>
public sealed class BlockResult
{
    // Owned arrays of exact length; null while the result's buffers are lent and not copied.
    private Receipt[]? _receipts;
    private StateChange[]? _changes;
    // Buffers rented from _lender (their first _receiptCount and _changeCount elements); null once given back.
    private Receipt[]? _lentReceipts;
    private StateChange[]? _lentChanges;
    private readonly int _receiptCount, _changeCount;
    private readonly ResultBuffers? _lender;

    /// <summary>A result; the arrays are owned by it from now on.</summary>
    public BlockResult(Receipt[] receipts, StateChange[] changes, StateKey[] touchedKeys,
        IReadOnlyList<(int From, int To)>? dependencies, BlockExecutionStats stats)
    {
        _receipts = receipts;
        _changes = changes;
        _receiptCount = receipts.Length;
        _changeCount = changes.Length;
        TouchedKeys = touchedKeys;
        Dependencies = dependencies;
        Stats = stats;
    }

    /// <summary>
    /// A result whose receipts and changes are the first <paramref name="receiptCount"/> and
    /// <paramref name="changeCount"/> elements of buffers rented from <paramref name="lender"/>, given
    /// back by <see cref="ReturnLentBuffers"/>.
    /// </summary>
    internal BlockResult(Receipt[] lentReceipts, int receiptCount, StateChange[] lentChanges, int changeCount, ResultBuffers lender,
        StateKey[] touchedKeys, IReadOnlyList<(int From, int To)>? dependencies, BlockExecutionStats stats)
    {
        _lentReceipts = lentReceipts;
        _lentChanges = lentChanges;
        _receiptCount = receiptCount;
        _changeCount = changeCount;
        _lender = lender;
        TouchedKeys = touchedKeys;
        Dependencies = dependencies;
        Stats = stats;
    }

    /// <summary>
    /// One receipt per transaction, in block order. Of a block reported by a <see cref="Storage.ChainPipeline"/>
    /// that recycles its results (<see cref="Storage.ChainPipeline.RecycleResults"/>), readable only while the
    /// block is being reported (copied on first read); read later, it throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public Receipt[] Receipts => Volatile.Read(ref _receipts) ?? CopyLent(ref _receipts, ref _lentReceipts, _receiptCount);

    /// <summary>
    /// The final value of every key the block wrote, in the order the block first touched them.
    /// Readable only while the block is reported, as <see cref="Receipts"/>.
    /// </summary>
    public StateChange[] Changes => Volatile.Read(ref _changes) ?? CopyLent(ref _changes, ref _lentChanges, _changeCount);

    /// <summary>The receipts without a copy: of a lent result, its buffer (valid until it is given back).</summary>
    internal ReadOnlySpan<Receipt> ReceiptSpan =>
        Volatile.Read(ref _receipts) ?? (Volatile.Read(ref _lentReceipts) ?? throw GivenBack()).AsSpan(0, _receiptCount);

    /// <summary>The changes without a copy: of a lent result, its buffer (valid until it is given back).</summary>
    internal ReadOnlySpan<StateChange> ChangeSpan =>
        Volatile.Read(ref _changes) ?? (Volatile.Read(ref _lentChanges) ?? throw GivenBack()).AsSpan(0, _changeCount);

    /// <summary>The buffer the changes are lent in, until it is given back; null when they are not lent (for tests).</summary>
    internal StateChange[]? LentChangeBuffer => Volatile.Read(ref _lentChanges);

    /// <summary>
    /// Gives lent buffers back to their pool; the receipts and changes stay readable only if
    /// <see cref="Receipts"/> and <see cref="Changes"/> copied them before. Called once nothing in the
    /// pipeline reads the buffers and the block has been reported.
    /// </summary>
    internal void ReturnLentBuffers()
    {
        var changes = Interlocked.Exchange(ref _lentChanges, null);
        var receipts = Interlocked.Exchange(ref _lentReceipts, null);
        if (changes is not null && receipts is not null) _lender!.Return(changes, receipts);
    }

    private static T[] CopyLent<T>(ref T[]? owned, ref T[]? lent, int count)
    {
        var copy = (Volatile.Read(ref lent) ?? throw GivenBack()).AsSpan(0, count).ToArray();
        if (Volatile.Read(ref lent) is null) throw GivenBack(); // given back while being copied
        return Interlocked.CompareExchange(ref owned, copy, null) ?? copy;
    }

    private static InvalidOperationException GivenBack() => new(
        "the block's receipts and changes were lent by a chain pipeline that recycles them (ChainPipeline.RecycleResults) and have been reused: read them while the block is reported");

    /// <summary>
    /// Every key the block's final executions read or wrote; empty when
    /// <see cref="ExecutionOptions.RecordTouchedKeys"/> was off.
    /// </summary>
    public StateKey[] TouchedKeys { get; }

    /// <summary>
    /// Observed dependency edges (writer → reader) of the final execution, when requested through
    /// <see cref="ExecutionOptions.RecordDependencies"/>; null otherwise.
    /// </summary>
    public IReadOnlyList<(int From, int To)>? Dependencies { get; }

    /// <summary>
    /// Keys not in <see cref="TouchedKeys"/> whose starting value a committed execution read to resolve
    /// its credits when one of them would pass 2^256 (the transaction then took its failure path, which
    /// need not touch them): their values decided the block's result, so a witness of the block must
    /// hold them. Almost always empty. Filled by the in-order and speculative paths; a block
    /// executed from its access list leaves it empty. Not part of <see cref="ContentEquals"/>.
    /// </summary>
    public StateKey[] CreditCheckedKeys { get; internal set; } = [];

    /// <summary>
    /// One result digest per transaction, in block order (its outcome, gas and the post-value of each
    /// key it wrote; see docs/witnesses.md), when requested through
    /// <see cref="ExecutionOptions.RecordTransactionDigests"/>; null otherwise. Identical for every
    /// executor. Not part of <see cref="ContentEquals"/> (it is derived from the same executions).
    /// </summary>
    public Hash256[]? TransactionDigests { get; internal set; }

    /// <summary>How the block was executed (not part of the content).</summary>
    public BlockExecutionStats Stats { get; internal set; }

    /// <summary>
    /// The block's EIP-7928 access list, recorded from its committed executions when requested
    /// through <see cref="ExecutionOptions.RecordAccessList"/>; null otherwise. Not part of
    /// <see cref="ContentEquals"/> (it is derived from the same executions).
    /// </summary>
    public AccessLists.BlockAccessList? AccessList { get; internal set; }

    /// <summary>Keccak-256 over a canonical encoding of receipts, changes and touched keys.</summary>
    public Hash256 ComputeDigest()
    {
        using var stream = new MemoryStream();
        Span<byte> word = stackalloc byte[32];
        Span<byte> number = stackalloc byte[8];
        void WriteKey(Stream s, in StateKey key, Span<byte> buffer)
        {
            key.Address.WriteTo(buffer);
            s.Write(buffer[..Address.Size]);
            s.WriteByte((byte)key.Kind);
            key.Slot.WriteBigEndian(buffer);
            s.Write(buffer);
        }
        foreach (var r in ReceiptSpan)
        {
            BinaryPrimitives.WriteInt64BigEndian(number, r.Index);
            stream.Write(number);
            stream.WriteByte(r.Success ? (byte)1 : (byte)0);
            BinaryPrimitives.WriteUInt64BigEndian(number, r.GasUsed);
            stream.Write(number);
            stream.WriteByte((byte)r.Failure);
            var detail = Encoding.UTF8.GetBytes(r.Detail ?? "");
            BinaryPrimitives.WriteInt64BigEndian(number, detail.Length);
            stream.Write(number);
            stream.Write(detail);
        }
        foreach (var change in ChangeSpan)
        {
            WriteKey(stream, change.Key, word);
            change.Value.WriteBigEndian(word);
            stream.Write(word);
        }
        foreach (var key in TouchedKeys) WriteKey(stream, key, word);
        return Keccak256.Compute(stream.GetBuffer().AsSpan(0, (int)stream.Length));
    }

    /// <summary>Receipts, changes and touched keys equal (stats and dependencies aside).</summary>
    public bool ContentEquals(BlockResult other) =>
        ReceiptSpan.SequenceEqual(other.ReceiptSpan)
        && ChangeSpan.SequenceEqual(other.ChangeSpan)
        && TouchedKeys.AsSpan().SequenceEqual(other.TouchedKeys);

    /// <summary>A one-line description of the first difference from <paramref name="other"/>, or null.</summary>
    public string? DescribeFirstDifference(BlockResult other)
    {
        for (int i = 0; i < Math.Min(Receipts.Length, other.Receipts.Length); i++)
            if (!Receipts[i].Equals(other.Receipts[i])) return $"receipt {i}: {Receipts[i]} vs {other.Receipts[i]}";
        if (Receipts.Length != other.Receipts.Length) return $"receipt count {Receipts.Length} vs {other.Receipts.Length}";
        for (int i = 0; i < Math.Min(Changes.Length, other.Changes.Length); i++)
            if (!Changes[i].Equals(other.Changes[i])) return $"change {i}: {Changes[i]} vs {other.Changes[i]}";
        if (Changes.Length != other.Changes.Length) return $"change count {Changes.Length} vs {other.Changes.Length}";
        for (int i = 0; i < Math.Min(TouchedKeys.Length, other.TouchedKeys.Length); i++)
            if (!TouchedKeys[i].Equals(other.TouchedKeys[i])) return $"touched key {i}: {TouchedKeys[i]} vs {other.TouchedKeys[i]}";
        if (TouchedKeys.Length != other.TouchedKeys.Length) return $"touched count {TouchedKeys.Length} vs {other.TouchedKeys.Length}";
        return null;
    }
}
