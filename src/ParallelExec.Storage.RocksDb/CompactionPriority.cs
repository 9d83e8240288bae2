using System.Runtime.InteropServices;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// RocksDB's compaction threads (its default environment's low-priority pool) at the lowest CPU
/// priority (nice 19 on Linux), so that they take the cores' idle time and not the blocks': a replay
/// keeps both cores of a small machine busy, and at 10 M accounts compactions were a fifth of its CPU.
/// Flushes keep their priority (a flush that falls behind stops writes). Should compactions fall
/// behind, level 0 grows until RocksDB's own trigger slows the writes down; nothing is lost. The
/// setting is the process's: every database opened through the default environment shares the pool.
/// </summary>
internal static class CompactionPriority
{
    private static int _lowered;

    /// <summary>Whether the call was made and found (false before a store asked for it, or where the call is missing).</summary>
    public static bool Lowered { get; private set; }

    /// <summary>Lowers the pool's priority once per process; where the native call is missing, nothing changes.</summary>
    public static void Lower()
    {
        if (Interlocked.Exchange(ref _lowered, 1) == 1) return;
        try
        {
            var env = rocksdb_create_default_env();
            rocksdb_env_lower_thread_pool_cpu_priority(env);
            rocksdb_env_destroy(env); // the wrapper only: the default environment stays
            Lowered = true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A RocksDB build without the call: compactions keep the default priority.
        }
    }

    [DllImport("rocksdb")]
    private static extern IntPtr rocksdb_create_default_env();

    [DllImport("rocksdb")]
    private static extern void rocksdb_env_lower_thread_pool_cpu_priority(IntPtr env);

    [DllImport("rocksdb")]
    private static extern void rocksdb_env_destroy(IntPtr env);
}
