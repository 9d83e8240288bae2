using ParallelExec.Transactions;

namespace ParallelExec.Blocks;

/// <summary>Type 4: <see cref="CounterMint"/> (collection).</summary>
public sealed class CounterMintCodec : SenderTransactionCodec<CounterMint>
{
    /// <inheritdoc/>
    public override byte TypeId => 4;

    /// <inheritdoc/>
    protected override void EncodeBody(CounterMint tx, ChainBufferWriter writer) => writer.WriteAddress(tx.Collection);

    /// <inheritdoc/>
    protected override CounterMint DecodeBody(ref ChainSpanReader reader, in Envelope e) =>
        new(e.Sender, e.Nonce, e.GasPrice, reader.ReadAddress(), e.Work);
}
