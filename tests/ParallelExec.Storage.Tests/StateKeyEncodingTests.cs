using ParallelExec.State;

namespace ParallelExec.Storage.Tests;

public class StateKeyEncodingTests
{
    private static readonly Comparer<byte[]> Bytewise = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    [Fact]
    public void State_keys_order_as_their_encodings_do()
    {
        // RocksDbStateStore puts a commit's keys in StateKey order so that RocksDB (bytewise) receives
        // them ascending: the two orders must agree, also for addresses sharing leading bytes.
        var random = new Random(5);
        var keys = new List<StateKey>();
        for (int i = 0; i < 600; i++)
        {
            var address = i % 2 == 0 ? Address.FromNumber((ulong)random.Next(50), tag: (byte)random.Next(3)) : RandomAddress(random);
            var kind = (StateKeyKind)random.Next((int)StateKeyKind.Storage + 1);
            var slot = kind == StateKeyKind.Storage ? new UInt256((ulong)random.Next(4), 0, 0, (ulong)random.Next(3)) : default;
            keys.Add(StateKey.Create(address, kind, slot));
        }
        var byKey = keys.Order().ToList();
        var byBytes = keys.OrderBy(k => StateKeyEncoding.ToArray(k), Bytewise).ToList();
        Assert.Equal(byBytes, byKey);
    }

    private static Address RandomAddress(Random random)
    {
        var bytes = new byte[Address.Size];
        random.NextBytes(bytes);
        return new Address(bytes);
    }
}
