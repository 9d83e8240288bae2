using ParallelExec.State;
using ParallelExec.Transactions;
using static ParallelExec.Workloads.WorkloadGenerator;

namespace ParallelExec.Workloads;

/// <summary>
/// The starting state of a generated workload, produced in key order (by address, then kind, then
/// slot) one entry at a time: a chain file's genesis section can be written from it without the
/// state ever being held in memory, whatever the number of accounts. Addresses are ordered by their
/// tag byte, then by number, and a token balance's slot is the holder's address as a word, so the
/// order follows from the loops below with no sort.
/// </summary>
public static class WorkloadGenesis
{
    /// <summary>How many entries <see cref="Entries"/> yields for <paramref name="options"/>.</summary>
    public static long Count(WorkloadOptions options)
    {
        var (tokens, pools) = Features(options);
        long accounts = options.Accounts;
        long perAccount = 2 + (tokens ? 1 : 0) + (pools ? 2L * options.Pools : 0);
        return accounts * perAccount + (pools ? 2L * options.Pools : 0) + 1;
    }

    /// <summary>Every entry of the workload's genesis, in key order, each once.</summary>
    public static IEnumerable<KeyValuePair<StateKey, UInt256>> Entries(WorkloadOptions options)
    {
        var (tokens, pools) = Features(options);
        var initialBalance = InitialBalance;
        var initialTokens = InitialTokens;
        // Accounts (tag 0x01): nonce, then balance.
        for (int a = 0; a < options.Accounts; a++)
        {
            var account = Account(a);
            yield return new(StateKey.Nonce(account), UInt256.Zero);
            yield return new(StateKey.Balance(account), initialBalance);
        }
        // Pools (tag 0x50): their two reserves.
        if (pools)
        {
            for (int p = 0; p < options.Pools; p++)
            {
                yield return new(PoolSwap.Reserve0(Pool(p)), new UInt256(InitialReserve));
                yield return new(PoolSwap.Reserve1(Pool(p)), new UInt256(InitialReserve));
            }
        }
        // The token (tag 0x70, number 1): one balance slot per account.
        if (tokens)
            for (int a = 0; a < options.Accounts; a++) yield return new(TokenTransfer.BalanceSlot(Token, Account(a)), initialTokens);
        // The pools' tokens (tag 0x71, numbered pool * 2 + side): one balance slot per account each.
        if (pools)
        {
            for (int n = 0; n < 2 * options.Pools; n++)
            {
                var token = PoolToken(n / 2, n % 2);
                for (int a = 0; a < options.Accounts; a++) yield return new(TokenTransfer.BalanceSlot(token, Account(a)), initialTokens);
            }
        }
        // The fee beneficiary (tag 0xBE).
        yield return new(StateKey.Balance(Beneficiary), UInt256.Zero);
    }

    private static (bool Tokens, bool Pools) Features(WorkloadOptions options) =>
        (options.Kind is WorkloadKind.Token or WorkloadKind.Mixed, options.Kind is WorkloadKind.Amm or WorkloadKind.Mixed);
}
