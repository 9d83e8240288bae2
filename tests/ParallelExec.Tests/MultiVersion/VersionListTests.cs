using ParallelExec.MultiVersion;
using ParallelExec.State;

namespace ParallelExec.Tests.MultiVersion;

public sealed class VersionListTests
{
    private static (ReadResult Result, UInt256 Value, int Writer) Read(VersionList list, int reader)
    {
        var result = list.Read(reader, out var value, out int writer);
        return (result, value, writer);
    }

    [Fact]
    public void Empty_list_reads_none()
    {
        var list = new VersionList();
        Assert.Equal((ReadResult.None, UInt256.Zero, -1), Read(list, 0));
        Assert.Equal((ReadResult.None, UInt256.Zero, -1), Read(list, 100));
    }

    [Fact]
    public void Reader_sees_the_highest_writer_strictly_below_it()
    {
        var list = new VersionList();
        list.Set(2, 20, isDelta: false);
        list.Set(5, 50, isDelta: false);
        Assert.Equal((ReadResult.None, UInt256.Zero, -1), Read(list, 0));
        Assert.Equal((ReadResult.None, UInt256.Zero, -1), Read(list, 2)); // its own write is not visible
        Assert.Equal((ReadResult.Absolute, new UInt256(20), 2), Read(list, 3));
        Assert.Equal((ReadResult.Absolute, new UInt256(20), 2), Read(list, 5));
        Assert.Equal((ReadResult.Absolute, new UInt256(50), 5), Read(list, 6));
        Assert.Equal((ReadResult.Absolute, new UInt256(50), 5), Read(list, 1000));
    }

    [Fact]
    public void Credits_above_an_absolute_value_are_summed_onto_it()
    {
        var list = new VersionList();
        list.Set(1, 100, isDelta: false);
        list.Set(3, 5, isDelta: true);
        list.Set(4, 7, isDelta: true);
        Assert.Equal((ReadResult.Absolute, new UInt256(100), 1), Read(list, 2));
        Assert.Equal((ReadResult.Absolute, new UInt256(100), 1), Read(list, 3));
        Assert.Equal((ReadResult.Absolute, new UInt256(105), 3), Read(list, 4));
        Assert.Equal((ReadResult.Absolute, new UInt256(112), 4), Read(list, 5));
        // A later absolute write hides the credits below it.
        list.Set(6, 1, isDelta: false);
        list.Set(8, 2, isDelta: true);
        Assert.Equal((ReadResult.Absolute, new UInt256(3), 8), Read(list, 9));
    }

    [Fact]
    public void Credits_with_no_absolute_below_return_OnStart_with_their_sum()
    {
        var list = new VersionList();
        list.Set(1, 5, isDelta: true);
        list.Set(2, 6, isDelta: true);
        list.Set(7, 1, isDelta: false);
        Assert.Equal((ReadResult.OnStart, new UInt256(5), 1), Read(list, 2));
        Assert.Equal((ReadResult.OnStart, new UInt256(11), 2), Read(list, 3));
        Assert.Equal((ReadResult.OnStart, new UInt256(11), 2), Read(list, 7));
        Assert.Equal((ReadResult.Absolute, new UInt256(1), 7), Read(list, 8));
        var big = new VersionList();
        big.Set(0, ulong.MaxValue, isDelta: true);
        big.Set(1, 1, isDelta: true);
        Assert.Equal((ReadResult.OnStart, new UInt256(0, 1), 1), Read(big, 2));
    }

    [Fact]
    public void Credits_that_pass_2_pow_256_report_overflow()
    {
        var credits = new VersionList();
        credits.Set(1, UInt256.MaxValue, isDelta: true);
        credits.Set(2, UInt256.One, isDelta: true);
        Assert.Equal(ReadResult.OnStart, Read(credits, 2).Result);
        Assert.Equal(ReadResult.Overflow, Read(credits, 3).Result);

        var onAbsolute = new VersionList();
        onAbsolute.Set(0, UInt256.MaxValue, isDelta: false);
        onAbsolute.Set(1, UInt256.One, isDelta: true);
        Assert.Equal((ReadResult.Absolute, UInt256.MaxValue, 0), Read(onAbsolute, 1));
        Assert.Equal(ReadResult.Overflow, Read(onAbsolute, 2).Result);
    }

    [Fact]
    public void Remove_withdraws_a_version_and_Set_puts_it_back()
    {
        var list = new VersionList();
        list.Set(1, 10, isDelta: false);
        list.Set(3, 30, isDelta: false);
        list.Set(4, 1, isDelta: true);
        list.Remove(3);
        Assert.Equal((ReadResult.Absolute, new UInt256(10), 1), Read(list, 4));
        Assert.Equal((ReadResult.Absolute, new UInt256(11), 4), Read(list, 5));
        list.Remove(3); // not there: no-op
        list.Remove(99);
        Assert.Equal((ReadResult.Absolute, new UInt256(11), 4), Read(list, 5));
        list.Set(3, 31, isDelta: false);
        Assert.Equal((ReadResult.Absolute, new UInt256(31), 3), Read(list, 4));
        Assert.Equal((ReadResult.Absolute, new UInt256(32), 4), Read(list, 5));
        list.Remove(1);
        list.Remove(3);
        list.Remove(4);
        Assert.Equal(ReadResult.None, Read(list, 5).Result);
    }

    [Fact]
    public void Set_on_an_existing_writer_replaces_value_and_kind()
    {
        var list = new VersionList();
        list.Set(2, 20, isDelta: false);
        list.Set(2, 3, isDelta: true);
        Assert.Equal((ReadResult.OnStart, new UInt256(3), 2), Read(list, 3));
        list.Set(2, 4, isDelta: false);
        Assert.Equal((ReadResult.Absolute, new UInt256(4), 2), Read(list, 3));
    }

    [Fact]
    public void Out_of_order_inserts_past_the_initial_capacity_stay_sorted()
    {
        var list = new VersionList();
        int[] order = [7, 2, 11, 5, 1, 9, 0, 13, 4];
        foreach (int w in order) list.Set(w, (ulong)(w * 10 + 1), isDelta: false);
        var sorted = order.Order().ToArray();
        for (int reader = 0; reader <= 15; reader++)
        {
            int expected = sorted.Where(w => w < reader).DefaultIfEmpty(-1).Max();
            var (result, value, writer) = Read(list, reader);
            Assert.Equal(expected, writer);
            if (expected < 0)
            {
                Assert.Equal(ReadResult.None, result);
            }
            else
            {
                Assert.Equal(ReadResult.Absolute, result);
                Assert.Equal(new UInt256((ulong)(expected * 10 + 1)), value);
            }
        }
    }

    [Fact]
    public void Assign_forgets_every_version()
    {
        var list = new VersionList();
        list.Set(1, 1, isDelta: false);
        list.Set(2, 2, isDelta: true);
        list.Assign(StateKey.Balance(Address.FromNumber(3)));
        Assert.Equal((ReadResult.None, UInt256.Zero, -1), Read(list, 10));
        list.Set(4, 4, isDelta: false);
        Assert.Equal((ReadResult.Absolute, new UInt256(4), 4), Read(list, 10));
    }

    [Fact]
    public void One_inline_version_then_arrays_keep_the_same_answers()
    {
        var list = new VersionList();
        list.Set(5, 50, isDelta: false);                  // inline
        list.Set(5, 55, isDelta: false);                  // same writer replaces inline
        Assert.Equal((ReadResult.Absolute, new UInt256(55), 5), Read(list, 6));
        Assert.Equal((ReadResult.None, UInt256.Zero, -1), Read(list, 5));
        list.Set(2, 7, isDelta: true);                    // second version, below the first: to arrays
        Assert.Equal((ReadResult.OnStart, new UInt256(7), 2), Read(list, 3));
        Assert.Equal((ReadResult.Absolute, new UInt256(55), 5), Read(list, 9));
        list.Remove(5);
        Assert.Equal((ReadResult.OnStart, new UInt256(7), 2), Read(list, 9));
        list.Remove(2);
        Assert.Equal((ReadResult.None, UInt256.Zero, -1), Read(list, 9));

        var single = new VersionList();
        single.Set(4, 1, isDelta: true);
        single.Remove(3);                                 // not there: nothing changes
        Assert.Equal((ReadResult.OnStart, UInt256.One, 4), Read(single, 8));
        single.Remove(4);
        Assert.Equal((ReadResult.None, UInt256.Zero, -1), Read(single, 8));
    }
}
