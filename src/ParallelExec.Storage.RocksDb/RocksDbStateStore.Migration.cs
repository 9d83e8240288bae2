using ParallelExec.State;
using RocksDbSharp;
using static ParallelExec.Storage.RocksDb.RocksDbLayout;

namespace ParallelExec.Storage.RocksDb;

public sealed partial class RocksDbStateStore
{
    /// <summary>
    /// Formats 1 and 2 kept each account field under a key of its own (address and kind → 32-byte value):
    /// joins each account's into one record (<see cref="AccountRecord"/>), in one scan, an account's
    /// record put and its field keys deleted in the same write batch. Slots keep their keys. Idempotent:
    /// a scan after an interruption finds the accounts left and joins them with any record already there.
    /// </summary>
    private void JoinAccountFields()
    {
        var batch = new WriteBatch();
        try
        {
            int pending = 0;
            Address? account = null, recorded = null; // the account being joined; the last record met
            var record = new AccountRecord();
            var existing = new AccountRecord();
            using var it = _db.NewIterator(_state, _scan); // its implicit snapshot ignores the batches written meanwhile
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                var key = it.GetKeySpan();
                if (key.Length == AccountKeyLength)
                {
                    // A record (an account joined before an interruption): its fields are joined too.
                    recorded = new Address(key);
                    if (!AccountRecord.TryRead(it.GetValueSpan(), out existing))
                        throw Fail(StateStoreError.Corrupt, $"the record of account {recorded} is malformed");
                    continue;
                }
                if (key.Length != StateKeyEncoding.AccountKeyLength) continue; // a slot
                var value = it.GetValueSpan();
                if (!StateKeyEncoding.TryRead(key, out var field) || value.Length != ValueLength)
                    throw Fail(StateStoreError.Corrupt, $"a malformed flat-state record (key {Convert.ToHexString(key)})");
                if (account != field.Address)
                {
                    if (account is { } previous)
                    {
                        PutRecord(batch, previous, record);
                        if (++pending >= InitBatchSize)
                        {
                            batch = Flush(batch);
                            pending = 0;
                        }
                    }
                    account = field.Address;
                    record = recorded == field.Address ? existing : new AccountRecord();
                }
                record.Set(field.Kind, UInt256.FromBigEndian(value));
                batch.Delete(key.ToArray(), _state);
            }
            if (account is { } last) PutRecord(batch, last, record);
            Write(batch);
        }
        finally
        {
            batch.Dispose();
        }
    }
}
