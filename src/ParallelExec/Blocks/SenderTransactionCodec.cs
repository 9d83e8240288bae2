using ParallelExec.Execution;
using ParallelExec.Transactions;

namespace ParallelExec.Blocks;

/// <summary>
/// Shared layout of the built-in kinds: sender (20 bytes), nonce, gas price and work as varints, the
/// kind's own fields, then optional hints.
/// </summary>
public abstract class SenderTransactionCodec<T> : ITransactionCodec where T : SenderTransaction
{
    /// <inheritdoc/>
    public abstract byte TypeId { get; }
    /// <inheritdoc/>
    public Type TransactionType => typeof(T);

    /// <inheritdoc/>
    public void Encode(ITransaction transaction, ChainBufferWriter writer)
    {
        var tx = (T)transaction;
        writer.WriteAddress(tx.Sender);
        writer.WriteVarUInt64(tx.Nonce);
        writer.WriteVarUInt64(tx.GasPrice);
        writer.WriteVarUInt64((ulong)tx.Work);
        EncodeBody(tx, writer);
        writer.WriteHints(tx.Hints);
    }

    /// <inheritdoc/>
    public ITransaction Decode(ref ChainSpanReader reader)
    {
        var envelope = new Envelope(reader.ReadAddress(), reader.ReadVarUInt64(), reader.ReadVarUInt64(), reader.ReadVarInt32(int.MaxValue, "work"));
        var tx = DecodeBody(ref reader, envelope);
        tx.WithHints(reader.ReadHints());
        return tx;
    }

    /// <summary>Writes the kind-specific fields (the envelope is already written).</summary>
    protected abstract void EncodeBody(T tx, ChainBufferWriter writer);

    /// <summary>Reads the kind-specific fields and builds the transaction from them and the envelope.</summary>
    protected abstract T DecodeBody(ref ChainSpanReader reader, in Envelope envelope);

    /// <summary>The fields every built-in kind shares.</summary>
    protected readonly record struct Envelope(State.Address Sender, ulong Nonce, ulong GasPrice, int Work);
}
