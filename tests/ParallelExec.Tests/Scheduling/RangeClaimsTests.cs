using ParallelExec.Scheduling;

namespace ParallelExec.Tests.Scheduling;

public sealed class RangeClaimsTests
{
    private sealed class Shared
    {
        public RangeClaims Claims;
    }

    [Theory]
    [InlineData(0, 7)]
    [InlineData(5, 7)]
    [InlineData(7, 7)]
    [InlineData(10_001, 64)]
    public void Threads_claiming_at_once_cover_every_index_exactly_once(int count, int size)
    {
        var shared = new Shared();
        var covered = new int[count];
        for (int round = 0; round < 3; round++) // Reset starts over
        {
            shared.Claims.Reset();
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
            {
                while (shared.Claims.TryClaim(count, size, out int range, out int start, out int end))
                {
                    Assert.Equal(range * size, start);
                    Assert.InRange(end - start, 1, size);
                    for (int i = start; i < end; i++) Interlocked.Increment(ref covered[i]);
                }
            });
        }
        Assert.All(covered, c => Assert.Equal(3, c));
        Assert.False(shared.Claims.TryClaim(count, size, out _, out _, out _));
    }
}
