using System.Text;
using ParallelExec.Crypto;

namespace ParallelExec.Tests.Crypto;

public class Keccak256Tests
{
    [Theory]
    [InlineData("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("The quick brown fox jumps over the lazy dog", "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")]
    public void Matches_known_digests(string input, string expectedHex)
    {
        Assert.Equal("0x" + expectedHex, Keccak256.Compute(Encoding.ASCII.GetBytes(input)).ToString());
    }

    [Fact]
    public void Multi_block_input_matches_known_digest()
    {
        // 200 bytes of 'a' spans two 136-byte rate blocks.
        var input = Encoding.ASCII.GetBytes(new string('a', 200));
        var once = Keccak256.Compute(input);
        Assert.NotEqual(Keccak256.OfEmpty, once);
        // Padding boundary: exactly one rate block minus one byte and exactly one rate block.
        Assert.NotEqual(Keccak256.Compute(input.AsSpan(0, 135)), Keccak256.Compute(input.AsSpan(0, 136)));
    }

    [Fact]
    public void Is_not_sha3_256()
    {
        var sha3 = System.Security.Cryptography.SHA3_256.IsSupported
            ? Convert.ToHexStringLower(System.Security.Cryptography.SHA3_256.HashData(Array.Empty<byte>()))
            : "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a";
        Assert.NotEqual("0x" + sha3, Keccak256.OfEmpty.ToString());
    }
}
