using ParallelExec.Transactions;

namespace ParallelExec.Blocks;

/// <summary>Type 1: <see cref="ValueTransfer"/> (to, value).</summary>
public sealed class ValueTransferCodec : SenderTransactionCodec<ValueTransfer>
{
    /// <inheritdoc/>
    public override byte TypeId => 1;

    /// <inheritdoc/>
    protected override void EncodeBody(ValueTransfer tx, ChainBufferWriter writer)
    {
        writer.WriteAddress(tx.To);
        writer.WriteUInt256(tx.Value);
    }

    /// <inheritdoc/>
    protected override ValueTransfer DecodeBody(ref ChainSpanReader reader, in Envelope e) =>
        new(e.Sender, e.Nonce, e.GasPrice, reader.ReadAddress(), reader.ReadUInt256(), e.Work);
}
