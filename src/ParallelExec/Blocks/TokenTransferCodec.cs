using ParallelExec.Transactions;

namespace ParallelExec.Blocks;

/// <summary>Type 2: <see cref="TokenTransfer"/> (token, to, amount).</summary>
public sealed class TokenTransferCodec : SenderTransactionCodec<TokenTransfer>
{
    /// <inheritdoc/>
    public override byte TypeId => 2;

    /// <inheritdoc/>
    protected override void EncodeBody(TokenTransfer tx, ChainBufferWriter writer)
    {
        writer.WriteAddress(tx.Token);
        writer.WriteAddress(tx.To);
        writer.WriteUInt256(tx.Amount);
    }

    /// <inheritdoc/>
    protected override TokenTransfer DecodeBody(ref ChainSpanReader reader, in Envelope e) =>
        new(e.Sender, e.Nonce, e.GasPrice, reader.ReadAddress(), reader.ReadAddress(), reader.ReadUInt256(), e.Work);
}
