using ParallelExec.State;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// The table of account records the RocksDB store keeps beside its flat state: what it keeps and
/// drops, fills from reads that a store write overtook, and readers beside writers on one set, where
/// a record copied while a writer changes it must be retried, never returned torn.
/// </summary>
public class AccountRecordCacheTests
{
    private const long OneSet = AccountRecordCache.Ways * AccountRecordCache.BytesPerWay;

    [Fact]
    public void It_keeps_records_without_code_and_drops_an_account_whose_record_it_cannot_keep()
    {
        using var cache = new AccountRecordCache(1 << 16);
        var plain = Address.FromNumber(1);
        var absent = Address.FromNumber(2);
        cache.Put(plain, Record(nonce: 3, balance: 9));
        cache.Put(absent, default);
        Assert.True(cache.TryGet(plain, out var record));
        Assert.True(record.TryGet(StateKeyKind.Nonce, out var nonce) && nonce == new UInt256(3));
        Assert.True(record.TryGet(StateKeyKind.Balance, out var balance) && balance == new UInt256(9));
        Assert.False(record.TryGet(StateKeyKind.CodeHash, out _));
        Assert.True(cache.TryGet(absent, out var none) && none.IsEmpty, "an account with no record is kept as such");

        var withCode = Record(nonce: 1, balance: 2);
        withCode.Set(StateKeyKind.CodeHash, new UInt256(77));
        cache.Put(plain, withCode);
        Assert.False(cache.TryGet(plain, out _), "a record with a code hash is not kept, and the old one is dropped");
        var largeNonce = Record(nonce: 1, balance: 2);
        largeNonce.Set(StateKeyKind.Nonce, new UInt256(0, 1));
        cache.Put(absent, largeNonce);
        Assert.False(cache.TryGet(absent, out _), "a nonce over 64 bits is not kept");
        Assert.False(cache.TryGet(Address.FromNumber(3), out _));
    }

    [Fact]
    public void A_fill_from_a_read_that_a_store_write_overtook_is_dropped()
    {
        using var cache = new AccountRecordCache(1 << 16);
        var account = Address.FromNumber(7);
        long before = cache.Epoch;
        cache.BeginStoreWrite();
        cache.Fill(account, Record(1, 1), before);
        Assert.False(cache.TryGet(account, out _), "a write began after the read");
        cache.Fill(account, Record(1, 1), cache.Epoch);
        Assert.False(cache.TryGet(account, out _), "a read made while a write is under way");
        cache.EndStoreWrite();
        cache.Fill(account, Record(1, 1), before);
        Assert.False(cache.TryGet(account, out _), "a write came and went after the read");
        cache.Fill(account, Record(2, 5), cache.Epoch);
        Assert.True(cache.TryGet(account, out var record) && record.TryGet(StateKeyKind.Balance, out var balance) && balance == new UInt256(5));
        cache.Clear();
        Assert.False(cache.TryGet(account, out _));
    }

    [Fact]
    public async Task Readers_beside_writers_on_one_set_never_see_a_torn_record()
    {
        // One set (four ways) for six accounts: every write may evict. Each record's balance is a
        // function of its account and nonce, so a copy torn between two writes shows.
        using var cache = new AccountRecordCache(OneSet);
        Assert.Equal(AccountRecordCache.Ways, cache.Capacity);
        const int Accounts = 6, Writes = 200_000;
        int writersDone = 0;
        long hits = 0, torn = 0, wrong = 0;
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            for (int i = 0; i < Writes; i++)
            {
                int a = random.Next(Accounts);
                ulong n = (ulong)random.NextInt64(1, long.MaxValue);
                cache.Put(Address.FromNumber((ulong)a), Record(n, Balance(a, n)));
            }
            Interlocked.Increment(ref writersDone);
        })).ToArray();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            while (Volatile.Read(ref writersDone) < 2)
            {
                for (int a = 0; a < Accounts; a++)
                {
                    if (!cache.TryGet(Address.FromNumber((ulong)a), out var record)) continue;
                    Interlocked.Increment(ref hits);
                    if (!record.TryGet(StateKeyKind.Nonce, out var nonce) || !record.TryGet(StateKeyKind.Balance, out var balance)) Interlocked.Increment(ref wrong);
                    else if (balance != Balance(a, (ulong)nonce)) Interlocked.Increment(ref torn);
                }
            }
        })).ToArray();
        await Task.WhenAll([.. writers, .. readers]);
        Assert.Equal(0, torn);
        Assert.Equal(0, wrong);
        Assert.True(hits > 0, "the readers found records");
        int kept = Enumerable.Range(0, Accounts).Count(a => cache.TryGet(Address.FromNumber((ulong)a), out _));
        Assert.Equal(AccountRecordCache.Ways, kept);
    }

    private static UInt256 Balance(int account, ulong nonce) => new(nonce * 31 + (ulong)account, nonce ^ 0x5555, (ulong)account, nonce);

    private static AccountRecord Record(ulong nonce, UInt256 balance)
    {
        var record = new AccountRecord();
        record.Set(StateKeyKind.Nonce, nonce);
        record.Set(StateKeyKind.Balance, balance);
        return record;
    }
}
