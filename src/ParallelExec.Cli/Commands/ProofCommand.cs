using System.CommandLine;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.State;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Trie;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec proof --db DIR ADDRESS [SLOT ...] [--json]</c>: the Merkle proof of an account and
/// of storage slots at the head of a state database, as Ethereum's <c>eth_getProof</c> gives it.
/// </summary>
public static class ProofCommand
{
    public static Command Create()
    {
        var db = new Option<DirectoryInfo>("--db") { Description = "The RocksDB state database", Required = true };
        var address = new Argument<string>("address") { Description = "The account's 20-byte hex address" };
        var slots = new Argument<string[]>("slots") { Description = "Storage slots to prove (decimal, or hex with 0x)", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "Print eth_getProof's JSON result (EIP-1186)" };
        var command = new Command("proof", "Print the Merkle proof of an account and storage slots at the head of a state database (eth_getProof); absent ones get exclusion proofs");
        command.Options.Add(db);
        command.Arguments.Add(address);
        command.Arguments.Add(slots);
        command.Options.Add(json);
        command.SetGuardedAction(parse =>
        {
            var text = parse.GetValue(address)!;
            if (!Address.TryParse(text, out var account)) throw new ArgumentException($"'{text}' is not a 20-byte hex address");
            var keys = new List<UInt256>();
            foreach (var slot in parse.GetValue(slots) ?? [])
            {
                if (!UInt256.TryParse(slot, out var key)) throw new ArgumentException($"slot '{slot}' is not an unsigned 256-bit integer (decimal, or hex with 0x)");
                keys.Add(key);
            }
            var path = DatabaseOptions.ExistingFolder(parse.GetValue(db)!);
            using var store = RocksDbStateStore.Open(path, new RocksDbStoreOptions { SyncCommits = false });
            var storedAt = store.TrieNodesAt;
            var proof = ChainState.GetProof(store, account, keys, out ProofSource source);
            if (parse.GetValue(json))
            {
                Console.WriteLine(AccountProofJson.ToJson(proof));
                return 0;
            }
            var how = source switch
            {
                ProofSource.StoredTrie => "proved from the stored trie nodes",
                ProofSource.StoredTrieAndJournals => $"proved from the stored trie of block {storedAt?.Number} and the undo journals since",
                _ => "trie rebuilt from the flat state",
            };
            Console.WriteLine($"block {store.Head.Number}, state root {proof.StateRoot} ({how})");
            Console.WriteLine($"account {proof.Address}: {(proof.Exists ? "present" : "absent (exclusion proof)")}, {proof.Proof.Count} nodes");
            Console.WriteLine($"  nonce {proof.Nonce}, balance {proof.Balance}, codeHash {proof.CodeHash}, storageHash {proof.StorageHash}");
            foreach (var slot in proof.StorageProof)
                Console.WriteLine($"  slot {slot.Key.ToHexString()}: value {slot.Value.ToHexString()}, {slot.Proof.Count} nodes");
            return 0;
        });
        return command;
    }
}
