using System.Text;
using ParallelExec.Blocks;
using ParallelExec.Execution;

namespace CustomTransaction;

/// <summary>
/// How <see cref="NameRegistration"/> is stored in chain files: type byte 200 (node kinds use
/// 128..255), the owner's 20 bytes, then the name as a length and UTF-8 bytes. Public with a
/// parameterless constructor, so <c>parallelexec … --codec-assembly CustomTransaction.dll</c> finds
/// and registers it. Decoding trusts nothing: lengths are bounded and invalid UTF-8 is an error.
/// </summary>
public sealed class NameRegistrationCodec : ITransactionCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <inheritdoc/>
    public byte TypeId => 200;

    /// <inheritdoc/>
    public Type TransactionType => typeof(NameRegistration);

    /// <inheritdoc/>
    public void Encode(ITransaction transaction, ChainBufferWriter writer)
    {
        var registration = (NameRegistration)transaction;
        writer.WriteAddress(registration.Owner);
        var name = StrictUtf8.GetBytes(registration.Name);
        writer.WriteVarUInt64((ulong)name.Length);
        writer.WriteBytes(name);
    }

    /// <inheritdoc/>
    public ITransaction Decode(ref ChainSpanReader reader)
    {
        var owner = reader.ReadAddress();
        int length = reader.ReadVarInt32(NameRegistration.MaxNameBytes, "name length");
        if (length == 0) throw reader.Fail("empty name");
        string name;
        try
        {
            name = StrictUtf8.GetString(reader.ReadBytes(length));
        }
        catch (DecoderFallbackException)
        {
            throw reader.Fail("name is not valid UTF-8");
        }
        return new NameRegistration(owner, name);
    }
}
