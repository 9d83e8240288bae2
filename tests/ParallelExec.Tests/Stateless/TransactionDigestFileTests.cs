using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Stateless;

namespace ParallelExec.Tests.Stateless;

/// <summary>The claimed-digests file: exact round trip; every truncation and mutation a clean format error or a valid file.</summary>
public class TransactionDigestFileTests
{
    [Fact]
    public void Digests_round_trip_and_damage_is_a_one_line_format_error()
    {
        var digests = Enumerable.Range(0, 40).Select(i => Keccak256.Compute(BitConverter.GetBytes(i))).ToArray();
        var bytes = TransactionDigestFile.Encode(12, digests);
        var (number, decoded) = TransactionDigestFile.Decode(bytes);
        Assert.Equal(12, number);
        Assert.Equal(digests, decoded);
        Assert.Empty(TransactionDigestFile.Decode(TransactionDigestFile.Encode(3, Array.Empty<Hash256>())).Digests);

        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<WitnessFormatException>(() => TransactionDigestFile.Decode(bytes.AsSpan(0, length)));
            Assert.DoesNotContain('\n', e.Message);
        }
        var random = new Random(17);
        for (int seed = 0; seed < 500; seed++)
        {
            var mutated = (byte[])bytes.Clone();
            mutated[random.Next(mutated.Length)] ^= (byte)random.Next(1, 256);
            var e = Assert.Throws<WitnessFormatException>(() => TransactionDigestFile.Decode(mutated)); // the checksum covers every byte
            Assert.StartsWith("digest file at byte ", e.Message);
        }
    }
}
