namespace ParallelExec.Crypto;

/// <summary>
/// Which implementation <see cref="Keccak256Batch"/> uses. <see cref="Auto"/> picks the widest this
/// machine supports; the others exist so tests can run every path on a machine that has them all.
/// </summary>
internal enum KeccakBatchPath
{
    Auto,
    Scalar,
    Vector256,
    Vector512,
}
