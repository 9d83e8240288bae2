using ParallelExec.Execution;

namespace ParallelExec.Scheduling;

/// <summary>
/// A fixed set of dedicated worker threads reused for every block (no thread-pool injection delays
/// when workers outnumber cores). The calling thread acts as worker 0.
/// </summary>
internal sealed class WorkerGroup : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private Action<int>? _body;
    private Exception? _fault;
    private volatile bool _disposed;

    public WorkerGroup(int workers)
    {
        Count = workers;
        _threads = new Thread[workers - 1];
        _start = new SemaphoreSlim[workers - 1];
        _done = new CountdownEvent(0);
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"parallelexec-worker-{worker}" };
            _threads[i].Start();
        }
    }

    public int Count { get; }

    /// <summary>Runs <paramref name="body"/> on every worker and waits for all; rethrows the first fault.</summary>
    public void Run(Action<int> body)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _body = body;
        _fault = null;
        if (_threads.Length > 0)
        {
            _done.Reset(_threads.Length);
            foreach (var s in _start) s.Release();
        }
        try
        {
            body(0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _fault, e, null);
        }
        if (_threads.Length > 0) _done.Wait();
        _body = null;
        if (_fault is { } fault)
            throw fault as EngineFaultException ?? new EngineFaultException($"engine fault in a worker: {fault.Message}", fault);
    }

    private void Loop(int worker)
    {
        var start = _start[worker - 1];
        while (true)
        {
            start.Wait();
            if (_disposed) return;
            try
            {
                _body!(worker);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _fault, e, null);
            }
            finally
            {
                _done.Signal();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _start) s.Release();
        foreach (var t in _threads) t.Join();
        foreach (var s in _start) s.Dispose();
        _done.Dispose();
    }
}
