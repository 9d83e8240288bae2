using ParallelExec.Metrics;
using Xunit;

namespace ParallelExec.Tests.Metrics;

/// <summary>
/// <see cref="CollectorActivity"/>: collections counted under the generation they collected, pauses
/// taken over a stretch. Other tests allocate meanwhile, so counts are at least what was made here.
/// </summary>
public class CollectorActivityTests
{
    [Fact]
    public void Collections_made_in_a_stretch_count_under_their_generation_and_pause_the_process()
    {
        var start = CollectorActivity.Now();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        var stretch = CollectorActivity.Now().Since(start);
        Assert.True(stretch.Gen2 >= 1, $"full collections {stretch.Gen2}");
        Assert.True(stretch.Gen1 + stretch.Gen2 >= 3, $"{stretch.Gen1} gen1 and {stretch.Gen2} full collections"); // a gen1 the runtime made full counts as full
        Assert.True(stretch.Collections >= 4, $"collections {stretch.Collections}");
        Assert.True(stretch.Gen0 >= 0, $"gen0 collections {stretch.Gen0}"); // consistent readings of the counts never go back
        Assert.True(stretch.Pause > TimeSpan.Zero);
        Assert.Equal(default, start.Since(start));
    }
}
