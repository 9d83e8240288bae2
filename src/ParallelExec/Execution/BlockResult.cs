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
    /// <summary>A result; the arrays are owned by it from now on.</summary>
    public BlockResult(Receipt[] receipts, StateChange[] changes, StateKey[] touchedKeys,
        IReadOnlyList<(int From, int To)>? dependencies, BlockExecutionStats stats)
    {
        Receipts = receipts;
        Changes = changes;
        TouchedKeys = touchedKeys;
        Dependencies = dependencies;
        Stats = stats;
    }

    /// <summary>One receipt per transaction, in block order.</summary>
    public Receipt[] Receipts { get; }
    /// <summary>The final value of every key the block wrote.</summary>
    public StateChange[] Changes { get; }
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
    public StateKey[] CreditCheckedKeys { get; internal init; } = [];

    /// <summary>
    /// One result digest per transaction, in block order (its outcome, gas and the post-value of each
    /// key it wrote; see docs/witnesses.md), when requested through
    /// <see cref="ExecutionOptions.RecordTransactionDigests"/>; null otherwise. Identical for every
    /// executor. Not part of <see cref="ContentEquals"/> (it is derived from the same executions).
    /// </summary>
    public Hash256[]? TransactionDigests { get; internal init; }

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
        foreach (var r in Receipts)
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
        foreach (var change in Changes)
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
        Receipts.AsSpan().SequenceEqual(other.Receipts)
        && Changes.AsSpan().SequenceEqual(other.Changes)
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
