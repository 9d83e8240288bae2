using ParallelExec.Transactions;

namespace ParallelExec.Blocks;

/// <summary>Type 3: <see cref="PoolSwap"/> (pool, token in, token out, in-is-token0, amount in).</summary>
public sealed class PoolSwapCodec : SenderTransactionCodec<PoolSwap>
{
    /// <inheritdoc/>
    public override byte TypeId => 3;

    /// <inheritdoc/>
    protected override void EncodeBody(PoolSwap tx, ChainBufferWriter writer)
    {
        writer.WriteAddress(tx.Pool);
        writer.WriteAddress(tx.TokenIn);
        writer.WriteAddress(tx.TokenOut);
        writer.WriteBool(tx.InIsToken0);
        writer.WriteUInt256(tx.AmountIn);
    }

    /// <inheritdoc/>
    protected override PoolSwap DecodeBody(ref ChainSpanReader reader, in Envelope e) =>
        new(e.Sender, e.Nonce, e.GasPrice, reader.ReadAddress(), reader.ReadAddress(), reader.ReadAddress(),
            reader.ReadBool(), reader.ReadUInt256(), e.Work);
}
