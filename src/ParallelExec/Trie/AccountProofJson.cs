using System.Text.Json;

namespace ParallelExec.Trie;

/// <summary>
/// An <see cref="AccountProof"/> as <c>eth_getProof</c>'s JSON result (EIP-1186): address,
/// accountProof, balance, codeHash, nonce, storageHash, storageProof [{ key, value, proof }], with
/// quantities as minimal hex and nodes as 0x-hex RLP. Storage keys are written as 32-byte hex.
/// </summary>
public static class AccountProofJson
{
    /// <summary>Writes <paramref name="proof"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, AccountProof proof)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(proof);
        writer.WriteStartObject();
        writer.WriteString("address", proof.Address.ToString());
        WriteNodes(writer, "accountProof", proof.Proof);
        writer.WriteString("balance", proof.Balance.ToHexString());
        writer.WriteString("codeHash", proof.CodeHash.ToString());
        writer.WriteString("nonce", "0x" + proof.Nonce.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteString("storageHash", proof.StorageHash.ToString());
        writer.WriteStartArray("storageProof");
        foreach (var slot in proof.StorageProof)
        {
            writer.WriteStartObject();
            writer.WriteString("key", State.Hash256.FromUInt256(slot.Key).ToString());
            writer.WriteString("value", slot.Value.ToHexString());
            WriteNodes(writer, "proof", slot.Proof);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary><paramref name="proof"/> as an indented JSON string.</summary>
    public static string ToJson(AccountProof proof)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true })) Write(writer, proof);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNodes(Utf8JsonWriter writer, string name, IReadOnlyList<byte[]> nodes)
    {
        writer.WriteStartArray(name);
        foreach (var node in nodes) writer.WriteStringValue("0x" + Convert.ToHexStringLower(node));
        writer.WriteEndArray();
    }
}
