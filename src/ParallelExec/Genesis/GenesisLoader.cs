using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Genesis;

/// <summary>
/// Reads a genesis allocation: geth's genesis.json (<c>{"alloc": {address: {balance, nonce, code,
/// storage}}}</c>) or a plain <c>{address: balance}</c> map. Addresses may have 0x or not, in any
/// case; balances and nonces are decimal or 0x-hex (strings or JSON numbers); code and storage are
/// hex. Bad input throws <see cref="FormatException"/> with a one-line message naming the account
/// and field.
/// </summary>
public static class GenesisLoader
{
    private static readonly JsonDocumentOptions JsonOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Loads a genesis file (geth genesis.json, or {address: balance}).</summary>
    public static GenesisState Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Load(stream, Path.GetFileName(path));
    }

    /// <summary>Loads a genesis from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static GenesisState Load(Stream stream, string source = "genesis")
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstLine(e.Message)}");
        }
        using (document) return Read(document.RootElement, source);
    }

    /// <summary>Parses a genesis from JSON text; <paramref name="source"/> names it in errors.</summary>
    public static GenesisState Parse(string json, string source = "genesis")
    {
        ArgumentNullException.ThrowIfNull(json);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return Load(stream, source);
    }

    private static GenesisState Read(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"{source}: expected a JSON object, found {Kind(root)}");
        var alloc = root;
        if (root.TryGetProperty("alloc", out var allocElement))
        {
            if (allocElement.ValueKind != JsonValueKind.Object) throw new FormatException($"{source}: 'alloc' must be an object, found {Kind(allocElement)}");
            alloc = allocElement;
        }

        var state = new InMemoryState();
        var accounts = new List<Address>();
        var seen = new HashSet<Address>();
        var code = new Dictionary<Hash256, byte[]>();
        foreach (var entry in alloc.EnumerateObject())
        {
            if (!Address.TryParse(entry.Name, out var address)) throw new FormatException($"{source}: '{entry.Name}' is not a 20-byte hex address");
            if (!seen.Add(address)) throw new FormatException($"{source}: account {address} is listed twice");
            string where = $"{source}: account {address}";
            var balance = UInt256.Zero;
            ulong nonce = 0;
            var codeHash = UInt256.Zero;

            if (entry.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            {
                balance = ReadNumber(entry.Value, where, "balance");
            }
            else if (entry.Value.ValueKind == JsonValueKind.Object)
            {
                var fields = entry.Value;
                if (!fields.TryGetProperty("balance", out var balanceElement)) throw new FormatException($"{where}: field 'balance' is missing");
                balance = ReadNumber(balanceElement, where, "balance");
                if (fields.TryGetProperty("nonce", out var nonceElement))
                {
                    var wide = ReadNumber(nonceElement, where, "nonce");
                    if (!wide.FitsInUInt64) throw new FormatException($"{where}: field 'nonce': {wide} does not fit in 64 bits");
                    nonce = wide.U0;
                }
                if (fields.TryGetProperty("code", out var codeElement))
                {
                    var bytes = ReadHex(codeElement, where, "code");
                    if (bytes.Length > 0)
                    {
                        var hash = Keccak256.Compute(bytes);
                        code[hash] = bytes;
                        codeHash = hash.ToUInt256();
                    }
                }
                if (fields.TryGetProperty("storage", out var storageElement))
                {
                    if (storageElement.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}: field 'storage' must be an object, found {Kind(storageElement)}");
                    foreach (var slotEntry in storageElement.EnumerateObject())
                    {
                        var slot = ReadWord(slotEntry.Name, where, $"storage slot '{slotEntry.Name}'");
                        if (slotEntry.Value.ValueKind != JsonValueKind.String) throw new FormatException($"{where}: storage slot '{slotEntry.Name}': value must be a hex string, found {Kind(slotEntry.Value)}");
                        var value = ReadWord(slotEntry.Value.GetString()!, where, $"storage slot '{slotEntry.Name}'");
                        if (!value.IsZero) state.Set(StateKey.Storage(address, slot), value);
                    }
                }
            }
            else
            {
                throw new FormatException($"{where}: expected a balance or an object, found {Kind(entry.Value)}");
            }

            state.Set(StateKey.Nonce(address), nonce);
            state.Set(StateKey.Balance(address), balance);
            state.Set(StateKey.CodeHash(address), codeHash);
            accounts.Add(address);
        }
        return new GenesisState(state, accounts, code);
    }

    /// <summary>A decimal or 0x-hex number given as a string or a JSON integer.</summary>
    private static UInt256 ReadNumber(JsonElement element, string where, string field)
    {
        string text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!,
            JsonValueKind.Number => element.GetRawText(),
            _ => throw new FormatException($"{where}: field '{field}' must be a number or a string, found {Kind(element)}"),
        };
        if (!UInt256.TryParse(text, out var value)) throw new FormatException($"{where}: field '{field}': '{Shorten(text)}' is not a decimal or 0x-hex unsigned 256-bit number");
        return value;
    }

    private static byte[] ReadHex(JsonElement element, string where, string field)
    {
        if (element.ValueKind != JsonValueKind.String) throw new FormatException($"{where}: field '{field}' must be a hex string, found {Kind(element)}");
        var text = element.GetString()!.AsSpan().Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) text = text[2..];
        if (text.Length % 2 != 0) throw new FormatException($"{where}: field '{field}' has an odd number of hex digits");
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw new FormatException($"{where}: field '{field}' is not valid hex");
        }
    }

    /// <summary>A storage key or value: hex, with or without 0x, up to 32 bytes (shorter is left-padded).</summary>
    private static UInt256 ReadWord(string text, string where, string field)
    {
        var span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) span = span[2..];
        if (span.Length == 0) return UInt256.Zero;
        if (span.Length > 64 || !BigInteger.TryParse("0" + span.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"{where}: {field}: '{Shorten(text)}' is not a hex word of at most 32 bytes");
        }
        return UInt256.FromBigInteger(value);
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    private static string FirstLine(string text)
    {
        int newline = text.IndexOfAny(['\r', '\n']);
        if (newline >= 0) text = text[..newline];
        int position = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (position >= 0 ? text[..position] : text).TrimEnd();
    }
}
