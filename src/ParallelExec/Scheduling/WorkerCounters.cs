using System.Runtime.InteropServices;

namespace ParallelExec.Scheduling;

/// <summary>
/// One worker's counters for the current block, on their own cache line so that counting costs no
/// interlocked operation and no line moving between cores; summed when the block ends.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct WorkerCounters
{
    [FieldOffset(64)] public long SpeculativeRuns;
    [FieldOffset(72)] public long DependencyWaits;
    [FieldOffset(80)] public long SpeculativeFaults;
}
