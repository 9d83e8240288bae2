using System.Globalization;
using System.Text;
using System.Text.Json;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// The Engine API / test-fixture JSON form of a block access list: an array of
/// <c>{address, storageChanges: [{slot, slotChanges: [{blockAccessIndex, postValue}]}], storageReads,
/// balanceChanges: [{blockAccessIndex, postBalance}], nonceChanges: [{blockAccessIndex, postNonce}],
/// codeChanges: [{blockAccessIndex, newCode}]}</c>. Numbers are hex quantities (<c>0x0</c>, <c>0x1f</c>),
/// the address and the code are hex data. Reading accepts any hex width up to the field's size and
/// applies the same ordering rules as RLP.
/// </summary>
internal static class AccessListJson
{
    public static string Write(BlockAccessList list, bool indented)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartArray();
            foreach (var account in list.Accounts)
            {
                json.WriteStartObject();
                json.WriteString("address", account.Address.ToString());
                json.WriteStartArray("storageChanges");
                foreach (var slot in account.StorageChanges)
                {
                    json.WriteStartObject();
                    json.WriteString("slot", slot.Slot.ToHexString());
                    WriteChanges(json, "slotChanges", "postValue", slot.Changes, isCode: false);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteStartArray("storageReads");
                foreach (var read in account.StorageReads) json.WriteStringValue(read.ToHexString());
                json.WriteEndArray();
                WriteChanges(json, "balanceChanges", "postBalance", account.BalanceChanges, isCode: false);
                WriteChanges(json, "nonceChanges", "postNonce", account.NonceChanges, isCode: false);
                WriteChanges(json, "codeChanges", "newCode", account.CodeChanges, isCode: true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static void WriteChanges(Utf8JsonWriter json, string name, string valueName, AccessListChange[] changes, bool isCode)
    {
        json.WriteStartArray(name);
        Span<byte> word = stackalloc byte[32];
        foreach (var change in changes)
        {
            json.WriteStartObject();
            json.WriteString("blockAccessIndex", "0x" + change.Index.ToString("x", CultureInfo.InvariantCulture));
            if (!isCode) json.WriteString(valueName, change.Value.ToHexString());
            else if (change.Value.IsZero) json.WriteString(valueName, "0x");
            else
            {
                change.Value.WriteBigEndian(word);
                json.WriteString(valueName, "0x" + Convert.ToHexStringLower(word));
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    public static BlockAccessList Read(string text, AccessListLimits? limits)
    {
        limits ??= AccessListLimits.Default;
        if (text.Length > limits.MaxBytes)
            throw new BlockAccessListException($"block access list JSON of {text.Length} characters exceeds the limit of {limits.MaxBytes}");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new BlockAccessListException($"block access list JSON is malformed: {OneLine(e.Message)}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array) throw new BlockAccessListException("block access list JSON is not an array");
            var accounts = new AccountChanges[root.GetArrayLength()];
            int a = 0;
            foreach (var element in root.EnumerateArray())
            {
                string where = $"block access list account {a}";
                try
                {
                    accounts[a++] = ReadAccount(element);
                }
                catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException)
                {
                    throw new BlockAccessListException($"{where}: {OneLine(e.Message)}", e);
                }
            }
            return new BlockAccessList(accounts);
        }
    }

    private static AccountChanges ReadAccount(JsonElement account)
    {
        var address = Address.TryParse(Field(account, "address").GetString(), out var parsed)
            ? parsed : throw new FormatException("address is not 20 bytes of hex");
        var slots = new List<SlotChanges>();
        foreach (var slot in Array(account, "storageChanges"))
            slots.Add(new SlotChanges(Word(Field(slot, "slot"), "slot"), Changes(slot, "slotChanges", "postValue", isCode: false)));
        var reads = new List<UInt256>();
        foreach (var read in Array(account, "storageReads")) reads.Add(Word(read, "storage read"));
        return new AccountChanges(address, slots.ToArray(), reads.ToArray(),
            Changes(account, "balanceChanges", "postBalance", isCode: false),
            Changes(account, "nonceChanges", "postNonce", isCode: false),
            Changes(account, "codeChanges", "newCode", isCode: true));
    }

    private static AccessListChange[] Changes(JsonElement parent, string name, string valueName, bool isCode)
    {
        var changes = new List<AccessListChange>();
        foreach (var change in Array(parent, name))
        {
            var index = Word(Field(change, "blockAccessIndex"), "blockAccessIndex");
            if (!index.FitsInUInt64 || index.U0 > ushort.MaxValue) throw new FormatException($"{name}: block access index {index.ToHexString()} does not fit in 16 bits");
            var value = Field(change, valueName);
            UInt256 word;
            if (!isCode) word = Word(value, valueName);
            else
            {
                var hex = Hex(value, valueName);
                if (hex.Length != 0 && hex.Length != 64) throw new FormatException($"{valueName} is not empty or a 32-byte code hash");
                word = hex.Length == 0 ? default : UInt256.FromBigEndian(Convert.FromHexString(hex));
                if (hex.Length != 0 && word.IsZero) throw new FormatException("a zero code hash must be written as empty code (0x)");
            }
            changes.Add(new AccessListChange((ushort)index.U0, word));
        }
        return changes.ToArray();
    }

    private static JsonElement Field(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object) throw new FormatException($"expected an object holding '{name}'");
        return parent.TryGetProperty(name, out var value) ? value : throw new FormatException($"'{name}' is missing");
    }

    private static JsonElement.ArrayEnumerator Array(JsonElement parent, string name)
    {
        var value = Field(parent, name);
        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw new FormatException($"'{name}' is not an array");
    }

    private static UInt256 Word(JsonElement value, string name)
    {
        var hex = Hex(value, name);
        if (hex.Length > 64) throw new FormatException($"{name} is wider than 32 bytes");
        if (hex.Length == 0) return default;
        Span<byte> bytes = stackalloc byte[32];
        bytes.Clear();
        string padded = hex.Length % 2 == 0 ? hex : "0" + hex;
        Convert.FromHexString(padded).CopyTo(bytes[(32 - padded.Length / 2)..]);
        return UInt256.FromBigEndian(bytes);
    }

    // The digits after 0x, checked to be hex.
    private static string Hex(JsonElement value, string name)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"{name} is not a string");
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) throw new FormatException($"{name} '{Clip(text)}' does not start with 0x");
        var digits = text[2..];
        foreach (char c in digits)
            if (!char.IsAsciiHexDigit(c)) throw new FormatException($"{name} '{Clip(text)}' is not hex");
        return digits;
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
