using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>The open-addressing account table against a dictionary, across its growth.</summary>
public class AccountTableTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Finds_what_was_added_and_nothing_else_across_growth(int seed)
    {
        var random = new Random(seed);
        var table = new AccountTable();
        var expected = new Dictionary<Address, StateAccount>();
        for (int i = 0; i < 20_000; i++)
        {
            // Small numbers (neighbouring addresses) and tagged ones, as blocks produce.
            var address = Address.FromNumber((ulong)random.Next(30_000), tag: (byte)random.Next(3));
            table.PrefetchSlot(address);
            table.PrefetchAccount(address);
            var found = table.Find(address);
            expected.TryGetValue(address, out var wanted);
            Assert.True(ReferenceEquals(wanted, found), $"seed {seed}, step {i}: {address} found {found?.Address.ToString() ?? "nothing"}");
            if (found is null)
            {
                var account = new StateAccount(address);
                table.Add(account);
                expected.Add(address, account);
            }
        }
        Assert.Equal(expected.Count, table.Count);
        var all = new HashSet<StateAccount>(table.Accounts(), ReferenceEqualityComparer.Instance);
        Assert.Equal(expected.Count, all.Count);
        foreach (var account in expected.Values) Assert.Contains(account, all);
    }
}
