using System.Buffers;
using System.Buffers.Binary;
using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// A committed transaction's result digest (<see cref="ExecutionOptions.RecordTransactionDigests"/>):
/// Keccak-256 over its outcome and the value each key it wrote holds after it, so two executions of a
/// block can be compared transaction by transaction and the first that differs named (a fraud proof's
/// bisection step). Encoding (docs/witnesses.md): u8 success (1/0), u8 failure reason, u64 gas used
/// (big-endian), then per write in the order the transaction first wrote it: the 20-byte address, the
/// kind byte, for storage the 32-byte slot, and the 32-byte big-endian post-value.
/// </summary>
internal static class TransactionDigest
{
    private const int MaxWriteBytes = Address.Size + 1 + 32 + 32;

    /// <summary>The digest of <paramref name="output"/>, committed as transaction <paramref name="index"/> into <paramref name="overlay"/>.</summary>
    public static Hash256 Compute(TxOutput output, BlockOverlay overlay, int index)
    {
        var writes = output.Writes;
        int size = 10 + writes.Length * MaxWriteBytes;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size); // pooled: no allocation per transaction
        try
        {
            var span = buffer.AsSpan();
            span[0] = output.Outcome.IsSuccess ? (byte)1 : (byte)0;
            span[1] = (byte)output.Outcome.Reason;
            BinaryPrimitives.WriteUInt64BigEndian(span[2..], output.GasUsed);
            int at = 10;
            foreach (ref readonly var write in writes)
            {
                var key = write.Key;
                key.Address.WriteTo(span[at..]);
                at += Address.Size;
                span[at++] = (byte)key.Kind;
                if (key.Kind == StateKeyKind.Storage)
                {
                    key.Slot.WriteBigEndian(span.Slice(at, 32));
                    at += 32;
                }
                overlay.TryRead(key, index + 1, out var post, out _); // committed: the overlay holds it
                post.WriteBigEndian(span.Slice(at, 32));
                at += 32;
            }
            return Keccak256.Compute(span[..at]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
