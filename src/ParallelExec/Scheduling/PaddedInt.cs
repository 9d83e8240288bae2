using System.Runtime.InteropServices;

namespace ParallelExec.Scheduling;

/// <summary>
/// An int alone on its cache line, for counters that different cores write: without the padding the
/// commit index, the speculation cursor and the commit lock share a line and every write by one
/// worker stalls the others (false sharing).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedInt
{
    [FieldOffset(64)]
    public int Value;
}
