using System.Collections.Concurrent;
using System.Diagnostics;
using ParallelExec.Blocks;
using ParallelExec.Metrics;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The blocks of a chain file through a <see cref="ChainPipeline"/>, as both replays run them (in
/// memory and into a database): each file block is kept until its result comes back (the pipeline
/// hands back only what it committed), the run is measured (wall time, process CPU, the collector's
/// collections and pauses), and a block whose root was rejected comes back with its file block, so
/// the caller can diagnose it.
/// </summary>
internal static class ChainFileRun
{
    /// <summary>How a run ended: <see cref="Rejected"/> is null when every block was committed.</summary>
    public readonly record struct Outcome(CommittedBlock? Rejected, ChainBlock? RejectedBlock, TimeSpan Elapsed, TimeSpan Cpu, CollectorActivity Collector)
    {
        /// <summary>The mismatch of the rejected block, diagnosed over its starting state (still the store's: nothing after it ran).</summary>
        public RootMismatch? Mismatch(IStateReader startingState) => Rejected is { } rejected && RejectedBlock is { } block
            ? new RootMismatch(block.Number, block.ExpectedRoot, rejected.Block.StateRoot, RootMismatch.Diagnose(block.Block, startingState, rejected.Result))
            : null;
    }

    /// <summary>
    /// Runs <paramref name="blocks"/> (each file block with the pipeline block made of it; read lazily,
    /// on the pipeline's read stage when overlapped); <paramref name="committed"/> sees every committed
    /// block, in order, on the calling thread; <paramref name="cancellationToken"/> stops the run between
    /// blocks (see <see cref="ChainPipeline.Run(IEnumerable{PipelineBlock}, Action{CommittedBlock}?, CancellationToken)"/>).
    /// </summary>
    public static Outcome Run(ChainPipeline pipeline, IEnumerable<(ChainBlock File, PipelineBlock Block)> blocks,
        Action<CommittedBlock, ChainBlock> committed, CancellationToken cancellationToken)
    {
        // Given to the pipeline, not reported yet: added on the pipeline's read stage, removed on the calling thread.
        var handedOver = new ConcurrentDictionary<long, ChainBlock>();

        IEnumerable<PipelineBlock> Unzip()
        {
            foreach (var (file, block) in blocks)
            {
                handedOver[file.Number] = file;
                yield return block;
            }
        }

        var started = Stopwatch.GetTimestamp();
        var cpuStarted = Environment.CpuUsage.TotalTime;
        var collectorStarted = CollectorActivity.Now();
        var rejected = pipeline.Run(Unzip(), done =>
        {
            handedOver.TryRemove(done.Block.Number, out var file);
            committed(done, file!);
        }, cancellationToken);
        var collector = CollectorActivity.Now().Since(collectorStarted);
        var cpu = Environment.CpuUsage.TotalTime - cpuStarted;
        var elapsed = Stopwatch.GetElapsedTime(started); // taken last: the stretch holds what the others measured
        return new Outcome(rejected, rejected is null ? null : handedOver[rejected.Block.Number], elapsed, cpu, collector);
    }
}
