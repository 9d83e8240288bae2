using ParallelExec.AccessLists;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Tests.Execution;
using ParallelExec.Tests.Execution.UnitTests;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.AccessLists;

/// <summary>
/// Executing with an access list: with the recorded list the parallel executor's access-list path
/// returns exactly what sequential execution returns, for every workload and 1..16 workers, and runs
/// each transaction once; every kind of wrong list is caught in strict mode (one line naming the
/// block and what disagrees) and harmless in lenient mode (dropped; the result is still sequential's).
/// </summary>
public sealed class AccessListExecutionTests : IDisposable
{
    private static readonly int[] WorkerCounts = [1, 2, 3, 8, 16];
    private readonly ParallelExecutor[] _parallel = WorkerCounts.Select(w => new ParallelExecutor(w, oversubscribe: true)).ToArray();
    private readonly SequentialExecutor _sequential = new();

    public void Dispose()
    {
        foreach (var p in _parallel) p.Dispose();
    }

    private void AssertListPathMatches(Block block, InMemoryState state, string label)
    {
        var expected = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true, RecordDependencies = true });
        var list = expected.AccessList!;
        var rlp = list.Encode();
        for (int w = 0; w < _parallel.Length; w++)
        {
            var input = w % 2 == 0 ? AccessListInput.From(list) : AccessListInput.FromRlp(rlp, Keccak(rlp));
            var actual = _parallel[w].Execute(block, state, new ExecutionOptions { AccessList = input, RecordDependencies = w == 1, RecordAccessList = w == 2 });
            var difference = expected.DescribeFirstDifference(actual);
            Assert.True(difference is null, $"{label}, {WorkerCounts[w]} workers: differs from sequential: {difference}");
            Assert.True(actual.Stats.AccessList == AccessListOutcome.Used, $"{label}: the access-list path did not run ({actual.Stats.AccessListProblem})");
            Assert.Equal(block.Transactions.Count, actual.Stats.Executions);
            Assert.Equal(0, actual.Stats.Reexecutions);
            if (w == 1) Assert.Equal(ChainRecorder.Normalize(expected.Dependencies), ChainRecorder.Normalize(actual.Dependencies));
            if (w == 2) Assert.Equal(rlp, actual.AccessList!.Encode());
        }
    }

    private static Hash256 Keccak(byte[] bytes) => ParallelExec.Crypto.Keccak256.Compute(bytes);

    [Theory]
    [MemberData(nameof(AccessListSamples.WorkloadKinds), MemberType = typeof(AccessListSamples))]
    public void Recorded_list_gives_the_sequential_result_on_workloads(WorkloadKind kind)
    {
        foreach (int seed in AccessListSamples.Seeds(2, 11))
            foreach (var (block, state) in AccessListSamples.Workload(kind, seed, txs: 250))
                AssertListPathMatches(block, state, $"{kind} seed {seed} block {block.Header.Number}");
    }

    [Fact]
    public void Recorded_list_gives_the_sequential_result_on_random_scripted_blocks()
    {
        // Reads, writes, credits (some overflowing), failures and throws over small key spaces.
        foreach (int seed in AccessListSamples.Seeds(150, 51_000))
        {
            var (block, state) = AccessListSamples.Scripted(seed, maxTxs: 150);
            AssertListPathMatches(block, state, $"scripted seed {seed}");
        }
    }

    [Fact]
    public void Likely_keys_that_are_wrong_too_many_or_throw_change_nothing()
    {
        // The list path's workers prefetch from each transaction's likely keys: keys absent from the
        // list, keys the list names for other transactions, thousands of them, none, or a listing that
        // throws midway. Over scripted blocks and a workload whose transactions name their keys right.
        var blocks = AccessListSamples.Seeds(30, 52_000).Select(seed => (Seed: seed, Sample: AccessListSamples.Scripted(seed, maxTxs: 150)))
            .Concat(AccessListSamples.Workload(WorkloadKind.Amm, seed: 5, txs: 300).Select((sample, b) => (Seed: -1 - b, Sample: sample)));
        foreach (var (seed, (block, state)) in blocks)
        {
            var random = new Random(seed);
            var named = _sequential.Execute(block, state).TouchedKeys.ToList();
            var misleading = block.Transactions.Select(tx => (ITransaction)new MisnamingTransaction(tx, random.Next(6), named, random.Next())).ToArray();
            AssertListPathMatches(new Block(block.Header, misleading), state, $"misnamed block, seed {seed}");
        }
    }

    // Every kind of wrong list, built from a recorded one. Each returns null when the block offers nothing to break that way.
    private static IEnumerable<(string Kind, Func<BlockAccessList, int, AccessListInput?> Make)> WrongLists()
    {
        static AccessListInput? Model(BlockAccessList list, Func<AccountChanges[], AccountChanges[]?> change)
        {
            var accounts = change(list.Accounts.ToArray());
            return accounts is null ? null : AccessListInput.From(new BlockAccessList(accounts));
        }
        static int FirstWith(AccountChanges[] accounts, Func<AccountChanges, bool> has) => Array.FindIndex(accounts, a => has(a));

        yield return ("missing account", (l, _) => Model(l, a => a.Length == 0 ? null : a[1..]));
        yield return ("missing balance change", (l, _) => Model(l, a =>
        {
            int i = FirstWith(a, x => x.BalanceChanges.Length > 0);
            if (i < 0) return null;
            a[i] = a[i] with { BalanceChanges = a[i].BalanceChanges[1..] };
            return a;
        }));
        yield return ("missing storage read", (l, _) => Model(l, a =>
        {
            int i = FirstWith(a, x => x.StorageReads.Length > 0);
            if (i < 0) return null;
            a[i] = a[i] with { StorageReads = a[i].StorageReads[1..] };
            return a;
        }));
        yield return ("extra account", (l, _) => Model(l, a => [.. a, AccountChanges.Accessed(Address.Parse("0xffffffffffffffffffffffffffffffffffffffff"))]));
        yield return ("extra storage read", (l, _) => Model(l, a =>
        {
            if (a.Length == 0) return null;
            var slot = UInt256.MaxValue - 7;
            if (a[0].StorageReads.Contains(slot) || a[0].StorageChanges.Any(s => s.Slot == slot)) return null;
            a[0] = a[0] with { StorageReads = [.. a[0].StorageReads, slot] };
            return a;
        }));
        yield return ("extra change", (l, n) => Model(l, a =>
        {
            if (a.Length == 0) return null;
            var slot = UInt256.MaxValue - 9;
            a[0] = a[0] with { StorageChanges = [.. a[0].StorageChanges, new SlotChanges(slot, [new AccessListChange((ushort)n, 1)])] };
            return a;
        }));
        yield return ("wrong value", (l, _) => Model(l, a =>
        {
            int i = FirstWith(a, x => x.NonceChanges.Length > 0 || x.BalanceChanges.Length > 0);
            if (i < 0) return null;
            if (a[i].BalanceChanges.Length > 0)
            {
                var b = a[i].BalanceChanges.ToArray();
                b[^1] = b[^1] with { Value = Other(b[^1].Value) };
                a[i] = a[i] with { BalanceChanges = b };
            }
            else
            {
                var nonces = a[i].NonceChanges.ToArray();
                nonces[0] = nonces[0] with { Value = Other(nonces[0].Value) };
                a[i] = a[i] with { NonceChanges = nonces };
            }
            return a;
        }));
        yield return ("wrong index", (l, n) => Model(l, a =>
        {
            int i = FirstWith(a, x => x.BalanceChanges.Length > 0 && x.BalanceChanges[^1].Index < n);
            if (i < 0) return null;
            var b = a[i].BalanceChanges.ToArray();
            b[^1] = b[^1] with { Index = (ushort)(b[^1].Index + 1) };
            a[i] = a[i] with { BalanceChanges = b };
            return a;
        }));
        yield return ("index past the block", (l, n) => Model(l, a =>
        {
            if (a.Length == 0) return null;
            a[0] = a[0] with { StorageChanges = [.. a[0].StorageChanges, new SlotChanges(UInt256.MaxValue - 3, [new AccessListChange((ushort)(n + 1), 1)])] };
            return a;
        }));
        yield return ("bad ordering", (l, _) =>
        {
            if (l.Accounts.Count < 2) return null;
            // The first two accounts swapped, in raw RLP (the model refuses to build it).
            var one = new BlockAccessList([l.Accounts[0]]).Encode();
            var two = new BlockAccessList([l.Accounts[1]]).Encode();
            var rest = new BlockAccessList(l.Accounts.Skip(2).ToArray()).Encode();
            static byte[] Items(byte[] list) => new ParallelExec.Rlp.RlpReader(list).ReadList() is var r && r.HasMore ? list[(list.Length - PayloadLength(list))..] : [];
            var payload = Items(two).Concat(Items(one)).Concat(Items(rest)).ToArray();
            return AccessListInput.FromRlp(ParallelExec.Rlp.RlpWriter.EncodeList(payload));
        });
        yield return ("malformed RLP", (l, _) => AccessListInput.FromRlp(l.Encode()[..^1]));
        yield return ("hash mismatch", (l, _) => AccessListInput.FromRlp(l.Encode(), BlockAccessList.Empty.ComputeHash() == l.ComputeHash() ? Keccak([1]) : BlockAccessList.Empty.ComputeHash()));
        yield return ("oversized", (l, _) => AccessListInput.FromRlp(l.Encode(), null, AccessListMode.Strict, new AccessListLimits { MaxBytes = l.Encode().Length - 1 }));
    }

    private static UInt256 Other(UInt256 value) => value == UInt256.MaxValue ? value - 1 : value + 1;

    // Bytes of a list's payload (after its header).
    private static int PayloadLength(byte[] list)
    {
        byte first = list[0];
        if (first <= 0xf7) return first - 0xc0;
        int lengthBytes = first - 0xf7;
        int length = 0;
        for (int i = 1; i <= lengthBytes; i++) length = (length << 8) | list[i];
        return length;
    }

    [Fact]
    public void Every_kind_of_wrong_list_is_caught_in_strict_mode_and_dropped_in_lenient_mode()
    {
        var caught = new Dictionary<string, int>();
        var blocks = new List<(Block, InMemoryState, string)>();
        foreach (var kind in Enum.GetValues<WorkloadKind>())
            foreach (var (block, state) in AccessListSamples.Workload(kind, seed: 21, txs: 120, blocks: 1))
                blocks.Add((block, state, kind.ToString()));
        foreach (int seed in AccessListSamples.Seeds(30, 61_000))
        {
            var (block, state) = AccessListSamples.Scripted(seed, maxTxs: 80);
            blocks.Add((block, state, $"scripted seed {seed}"));
        }
        foreach (var (block, state, label) in blocks)
        {
            var expected = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true });
            foreach (var (kind, make) in WrongLists())
            {
                var strict = make(expected.AccessList!, block.Transactions.Count);
                if (strict is null) continue;
                for (int w = 0; w < _parallel.Length; w += 2)
                {
                    var e = Assert.Throws<BlockAccessListException>(() => _parallel[w].Execute(block, state, new ExecutionOptions { AccessList = strict }));
                    Assert.StartsWith($"block {block.Header.Number}: ", e.Message);
                    Assert.DoesNotContain('\n', e.Message);
                    var lenient = _parallel[w].Execute(block, state, new ExecutionOptions { AccessList = strict.WithMode(AccessListMode.Lenient) });
                    var difference = expected.DescribeFirstDifference(lenient);
                    Assert.True(difference is null, $"{label}, {kind}, lenient: differs from sequential: {difference}");
                    Assert.Equal(AccessListOutcome.Dropped, lenient.Stats.AccessList);
                    Assert.False(string.IsNullOrEmpty(lenient.Stats.AccessListProblem));
                }
                caught[kind] = caught.GetValueOrDefault(kind) + 1;
            }
        }
        foreach (var (kind, _) in WrongLists()) Assert.True(caught.GetValueOrDefault(kind) >= 5, $"only {caught.GetValueOrDefault(kind)} blocks tried '{kind}'");
    }

    [Fact]
    public void Strict_error_names_the_first_transaction_and_key_that_disagree()
    {
        var (block, state) = AccessListSamples.Workload(WorkloadKind.P2p, seed: 4, txs: 50, blocks: 1).Single();
        var list = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true }).AccessList!;
        // Raise the post-balance of the account the 11th transaction (index 11) changes first.
        var accounts = list.Accounts.ToArray();
        int a = Array.FindIndex(accounts, x => x.BalanceChanges.Any(c => c.Index == 11));
        var changes = accounts[a].BalanceChanges.Select(c => c.Index == 11 ? c with { Value = c.Value + 5 } : c).ToArray();
        accounts[a] = accounts[a] with { BalanceChanges = changes };
        var e = Assert.Throws<BlockAccessListException>(() => _parallel[3].Execute(block, state,
            new ExecutionOptions { AccessList = AccessListInput.From(new BlockAccessList(accounts)) }));
        Assert.Contains("transaction 10 changed " + StateKey.Balance(accounts[a].Address), e.Message);
        Assert.Contains("at index 11", e.Message);
    }

    /// <summary>
    /// A change the list makes that no transaction made is found from the block's count of changes,
    /// after every transaction ran; it still names the lowest transaction that disagrees, before a
    /// disagreement at a higher one.
    /// </summary>
    [Fact]
    public void Strict_error_names_a_listed_change_no_transaction_made_before_a_later_disagreement()
    {
        var (block, state) = AccessListSamples.Workload(WorkloadKind.P2p, seed: 4, txs: 50, blocks: 1).Single();
        var list = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true }).AccessList!;
        var accounts = list.Accounts.ToArray();
        // A storage change at index 4 (transaction 3) that nobody makes, and a wrong post-balance at index 21.
        var slot = UInt256.MaxValue - 11;
        accounts[0] = accounts[0] with { StorageChanges = [.. accounts[0].StorageChanges, new SlotChanges(slot, [new AccessListChange(4, 1)])] };
        int a = Array.FindIndex(accounts, x => x.BalanceChanges.Any(c => c.Index == 21));
        accounts[a] = accounts[a] with { BalanceChanges = accounts[a].BalanceChanges.Select(c => c.Index == 21 ? c with { Value = c.Value + 5 } : c).ToArray() };
        var wrong = AccessListInput.From(new BlockAccessList(accounts));
        foreach (var parallel in _parallel)
        {
            var e = Assert.Throws<BlockAccessListException>(() => parallel.Execute(block, state, new ExecutionOptions { AccessList = wrong }));
            Assert.Contains($"the access list changes {StateKey.Storage(accounts[0].Address, slot)} at index 4, but transaction 3 did not write it", e.Message);
        }
    }

    /// <summary>
    /// A writer of A, a writer of B, then a reader that reads a key the store fails on when it sees
    /// A != B, which in block order it never does. The list given leaves out the write of B, so under
    /// it the reader sees A == 1, B == 0 and meets the failing key: a fault sequential execution
    /// never meets. The block fails for its wrong list (strict) or runs the ordinary way (lenient),
    /// never for the fault.
    /// </summary>
    [Fact]
    public void A_fault_only_a_wrong_list_causes_is_reported_as_the_wrong_list()
    {
        StateKey a = Keys.Slot(1), b = Keys.Slot(2), c = Keys.Slot(3), poison = Keys.Slot(9_999);
        var block = new Block(Keys.Header, [
            new LambdaTransaction(ctx => { ctx.Write(a, 1); return ExecutionOutcome.Success; }),
            new LambdaTransaction(ctx => { ctx.Write(b, 1); return ExecutionOutcome.Success; }),
            new LambdaTransaction(ctx =>
            {
                var seenA = ctx.Read(a);
                var seenB = ctx.Read(b);
                if (!seenA.Equals(seenB)) ctx.Read(poison);
                ctx.Write(c, seenA + seenB);
                return ExecutionOutcome.Success;
            }),
        ]);
        var state = new FaultingStateReader(new InMemoryState(), poison, () => new IOException("bad sector"));
        var expected = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true });
        var right = expected.AccessList!;

        // The same list without B's change at index 2 (transaction 1): B becomes a slot only read.
        var accounts = right.Accounts.ToArray();
        int owner = Array.FindIndex(accounts, x => x.StorageChanges.Any(s => s.Slot == b.Slot));
        var account = accounts[owner];
        accounts[owner] = account with
        {
            StorageChanges = account.StorageChanges.Where(s => s.Slot != b.Slot).ToArray(),
            StorageReads = account.StorageReads.Append(b.Slot).Order().ToArray(),
        };
        var wrong = AccessListInput.From(new BlockAccessList(accounts));

        foreach (var parallel in _parallel)
        {
            var e = Assert.Throws<BlockAccessListException>(() => parallel.Execute(block, state, new ExecutionOptions { AccessList = wrong }));
            Assert.Contains("transaction 1 changed " + b, e.Message);
            var lenient = parallel.Execute(block, state, new ExecutionOptions { AccessList = wrong.WithMode(AccessListMode.Lenient) });
            Assert.True(expected.ContentEquals(lenient), $"{parallel.Workers} workers: {expected.DescribeFirstDifference(lenient)}");
            Assert.Equal(AccessListOutcome.Dropped, lenient.Stats.AccessList);
            Assert.Contains("transaction 1 changed " + b, lenient.Stats.AccessListProblem);
            // With the right list the reader never meets the failing key.
            var listed = parallel.Execute(block, state, new ExecutionOptions { AccessList = AccessListInput.From(right) });
            Assert.Equal(AccessListOutcome.Used, listed.Stats.AccessList);
            Assert.True(expected.ContentEquals(listed));
        }
    }

    /// <summary>
    /// A fault under a list whose every check below the faulting transaction passed is sequential's own:
    /// the block fails as it does sequentially, in either mode.
    /// </summary>
    [Fact]
    public void A_fault_sequential_execution_meets_too_fails_the_block_under_the_right_list()
    {
        StateKey a = Keys.Slot(1), poison = Keys.Slot(9_999);
        var block = new Block(Keys.Header, [
            new LambdaTransaction(ctx => { ctx.Write(a, 1); return ExecutionOutcome.Success; }),
            new LambdaTransaction(ctx => { if (ctx.Read(a) == 1) ctx.Read(poison); return ExecutionOutcome.Success; }),
        ]);
        var healthy = new InMemoryState();
        var list = _sequential.Execute(block, healthy, new ExecutionOptions { RecordAccessList = true }).AccessList!;
        var state = new FaultingStateReader(healthy, poison, () => new IOException("bad sector"));
        Assert.Throws<EngineFaultException>(() => _sequential.Execute(block, state));
        foreach (var parallel in _parallel)
            foreach (var mode in new[] { AccessListMode.Strict, AccessListMode.Lenient })
                Assert.Throws<EngineFaultException>(() => parallel.Execute(block, state, new ExecutionOptions { AccessList = AccessListInput.From(list, mode) }));
    }

    /// <summary>
    /// A list that names a key the store fails on, which no transaction reads: the starting values are
    /// read before any transaction runs, so the failure proves nothing about the block. The ordinary
    /// path runs it (sequential's result), and a strict list is then judged by the one the block records.
    /// </summary>
    [Fact]
    public void A_listed_key_whose_read_fails_and_no_transaction_reads_does_not_fail_the_block()
    {
        StateKey a = Keys.Slot(1), poison = Keys.Slot(9_999);
        var block = new Block(Keys.Header, [
            new LambdaTransaction(ctx => { ctx.Write(a, ctx.Read(a) + 1); return ExecutionOutcome.Success; }),
            new LambdaTransaction(ctx => { ctx.Write(a, ctx.Read(a) + 1); return ExecutionOutcome.Success; }),
        ]);
        var state = new FaultingStateReader(new InMemoryState(), poison, () => new IOException("bad sector"));
        var expected = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true });
        var right = expected.AccessList!;
        // The same list with the poison slot listed as read by the contract.
        var accounts = right.Accounts.ToArray();
        int owner = Array.FindIndex(accounts, x => x.StorageChanges.Any(c => c.Slot == a.Slot));
        accounts[owner] = accounts[owner] with { StorageReads = accounts[owner].StorageReads.Append(poison.Slot).Order().ToArray() };
        var wrong = AccessListInput.From(new BlockAccessList(accounts));

        foreach (var parallel in _parallel)
        {
            var e = Assert.Throws<BlockAccessListException>(() => parallel.Execute(block, state, new ExecutionOptions { AccessList = wrong }));
            Assert.Contains("could not be read", e.Message);
            var lenient = parallel.Execute(block, state, new ExecutionOptions { AccessList = wrong.WithMode(AccessListMode.Lenient) });
            Assert.True(expected.ContentEquals(lenient), $"{parallel.Workers} workers: {expected.DescribeFirstDifference(lenient)}");
            Assert.Equal(AccessListOutcome.Dropped, lenient.Stats.AccessList);
            Assert.Contains("bad sector", lenient.Stats.AccessListProblem);
            var listed = parallel.Execute(block, state, new ExecutionOptions { AccessList = AccessListInput.From(right) });
            Assert.Equal(AccessListOutcome.Used, listed.Stats.AccessList);
            Assert.True(expected.ContentEquals(listed));
        }
    }

    /// <summary>
    /// A contract with 3,500 named slots (1,500 changed, 500 of them twice, then 2,000 only read), beside
    /// 50 credited accounts: the view fills it in pieces of its own on several workers (a piece that
    /// spans its last changed slots and first read ones among them), and the result is sequential's.
    /// </summary>
    [Fact]
    public void A_contract_with_thousands_of_slots_is_filled_in_pieces_and_matches_sequential()
    {
        var state = new InMemoryState();
        for (ulong s = 0; s < 3_500; s++) state.Set(Keys.Slot(s), s + 1);
        var txs = new ITransaction[2_000];
        for (int t = 0; t < txs.Length; t++)
        {
            ulong t64 = (ulong)t;
            StateKey written = Keys.Slot(t64 % 1_500), read = Keys.Slot(1_500 + t64);
            var credited = StateKey.Balance(Address.FromNumber(100 + t64 % 50));
            txs[t] = new LambdaTransaction(ctx =>
            {
                ctx.Write(written, ctx.Read(written) + ctx.Read(read));
                ctx.Add(credited, t64 + 1);
                return ExecutionOutcome.Success;
            });
        }
        var block = new Block(Keys.Header, txs);
        var list = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true }).AccessList!;
        var contract = list.Accounts.Single(a => a.Address == Keys.Contract);
        Assert.Equal(1_500, contract.StorageChanges.Length);
        Assert.Equal(2_000, contract.StorageReads.Length);
        AssertListPathMatches(block, state, "a contract of 3,500 slots");
    }

    /// <summary>
    /// A list object changed after it was built (its arrays are the caller's) so that it names one slot
    /// twice, as changed and as only read: the view's key table finds it when its partitions are put
    /// together, and the list is wrong in either mode.
    /// </summary>
    [Fact]
    public void A_list_naming_a_key_twice_is_wrong()
    {
        var block = new Block(Keys.Header, [
            new LambdaTransaction(ctx => { ctx.Write(Keys.Slot(1), ctx.Read(Keys.Slot(1)) + ctx.Read(Keys.Slot(2))); return ExecutionOutcome.Success; }),
        ]);
        var state = new InMemoryState();
        state.Set(Keys.Slot(1), 1);
        state.Set(Keys.Slot(2), 5);
        var expected = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true });
        var list = expected.AccessList!;
        var contract = list.Accounts.Single(a => a.Address == Keys.Contract);
        Assert.Equal([Keys.Slot(2).Slot], contract.StorageReads);
        contract.StorageReads[0] = Keys.Slot(1).Slot; // now slot 1 is both changed and read
        var twice = AccessListInput.From(list);
        foreach (var parallel in _parallel)
        {
            var e = Assert.Throws<BlockAccessListException>(() => parallel.Execute(block, state, new ExecutionOptions { AccessList = twice }));
            Assert.Contains($"{Keys.Slot(1)} is named twice", e.Message);
            var lenient = parallel.Execute(block, state, new ExecutionOptions { AccessList = twice.WithMode(AccessListMode.Lenient) });
            Assert.Equal(AccessListOutcome.Dropped, lenient.Stats.AccessList);
            Assert.True(expected.ContentEquals(lenient));
        }
    }

    // Two accounts: the payer's balance and the payee's (credited) change; the payee's nonce, the payer's
    // nonce and both code hashes are named by the list (accessed accounts) and left unchanged.
    private static readonly Address Payer = Address.FromNumber(21), Payee = Address.FromNumber(22);

    private static (Block Block, InMemoryState State) PaymentThenNonceRead()
    {
        var state = new InMemoryState();
        state.Set(StateKey.Balance(Payer), 100);
        state.Set(StateKey.Nonce(Payee), 7);
        var block = new Block(Keys.Header, [
            new LambdaTransaction(ctx =>
            {
                ctx.Write(StateKey.Balance(Payer), ctx.Read(StateKey.Balance(Payer)) - 10);
                ctx.Add(StateKey.Balance(Payee), 10);
                return ExecutionOutcome.Success;
            }),
            new LambdaTransaction(ctx =>
            {
                ctx.Write(Keys.Slot(1), ctx.Read(StateKey.Nonce(Payee)) + ctx.Read(StateKey.Balance(Payee)));
                return ExecutionOutcome.Success;
            }),
        ]);
        return (block, state);
    }

    /// <summary>
    /// The starting values of keys the list changes or reads are read before the transactions run; an
    /// account field it leaves unchanged only when a transaction reads it. Here the payee's nonce is
    /// read once, by the transaction that needs it, and fields no transaction reads are never read, so
    /// even a store that fails on them does not keep the block off the list's path.
    /// </summary>
    [Fact]
    public void Unchanged_account_fields_are_read_only_when_a_transaction_reads_them()
    {
        var (block, healthy) = PaymentThenNonceRead();
        var expected = _sequential.Execute(block, healthy, new ExecutionOptions { RecordAccessList = true });
        var list = AccessListInput.From(expected.AccessList!);
        Assert.Equal(new UInt256(17), expected.Changes.Single(c => c.Key.Equals(Keys.Slot(1))).Value);
        StateKey[] unread = [StateKey.Nonce(Payer), StateKey.CodeHash(Payer), StateKey.CodeHash(Payee)];
        foreach (var parallel in _parallel)
        {
            var state = new CountingStateReader(healthy, unread);
            var actual = parallel.Execute(block, state, new ExecutionOptions { AccessList = list });
            Assert.Equal(AccessListOutcome.Used, actual.Stats.AccessList);
            Assert.True(expected.ContentEquals(actual), $"{parallel.Workers} workers: {expected.DescribeFirstDifference(actual)}");
            Assert.Equal(1, state.ReadsOf(StateKey.Nonce(Payee)));
            Assert.Equal(1, state.ReadsOf(StateKey.Balance(Payee)));
            Assert.All(unread, key => Assert.Equal(0, state.ReadsOf(key)));
        }
    }

    /// <summary>
    /// A transaction that reads an unchanged field whose read fails, every check below it passed:
    /// sequential execution reads it there too, so the block fails in either mode.
    /// </summary>
    [Fact]
    public void A_failing_read_of_an_unchanged_field_a_transaction_reads_fails_the_block_as_sequentially()
    {
        var (block, healthy) = PaymentThenNonceRead();
        var list = _sequential.Execute(block, healthy, new ExecutionOptions { RecordAccessList = true }).AccessList!;
        var state = new FaultingStateReader(healthy, StateKey.Nonce(Payee), () => new IOException("bad sector"));
        Assert.Throws<EngineFaultException>(() => _sequential.Execute(block, state));
        foreach (var parallel in _parallel)
            foreach (var mode in new[] { AccessListMode.Strict, AccessListMode.Lenient })
            {
                var e = Assert.Throws<EngineFaultException>(() => parallel.Execute(block, state, new ExecutionOptions { AccessList = AccessListInput.From(list, mode) }));
                Assert.Contains("bad sector", e.Message);
            }
    }

    /// <summary>
    /// A transaction that writes an account field without reading it, leaving it as it was: only the
    /// check reads its starting value (to know that the write changed nothing), a read sequential
    /// execution does not make. When it fails the list is unproven, not the block: in lenient mode the
    /// list is dropped and the ordinary path gives sequential's result.
    /// </summary>
    [Fact]
    public void A_failing_read_only_a_check_makes_drops_the_list_not_the_block()
    {
        var nonce = StateKey.Nonce(Payee);
        var healthy = new InMemoryState();
        healthy.Set(nonce, 7);
        var block = new Block(Keys.Header, [
            new LambdaTransaction(ctx => { ctx.Write(Keys.Slot(1), 1); return ExecutionOutcome.Success; }),
            new LambdaTransaction(ctx => { ctx.Write(nonce, 7); return ExecutionOutcome.Success; }),
        ]);
        var list = _sequential.Execute(block, healthy, new ExecutionOptions { RecordAccessList = true }).AccessList!;
        Assert.Contains(list.Accounts, a => a.Address == Payee && a.NonceChanges.Length == 0);
        var state = new FaultingStateReader(healthy, nonce, () => new IOException("bad sector"));
        var expected = _sequential.Execute(block, state);
        foreach (var parallel in _parallel)
        {
            var actual = parallel.Execute(block, state, new ExecutionOptions { AccessList = AccessListInput.From(list, AccessListMode.Lenient) });
            Assert.Equal(AccessListOutcome.Dropped, actual.Stats.AccessList);
            Assert.Contains("bad sector", actual.Stats.AccessListProblem);
            Assert.True(expected.ContentEquals(actual), $"{parallel.Workers} workers: {expected.DescribeFirstDifference(actual)}");
        }
    }

    /// <summary>Reads an in-memory state, counting the reads of each key; throws for the keys it is told fail.</summary>
    private sealed class CountingStateReader(InMemoryState inner, StateKey[] failing) : IStateReader
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<StateKey, int> _reads = new();

        public int ReadsOf(in StateKey key) => _reads.GetValueOrDefault(key);

        public bool TryGet(in StateKey key, out UInt256 value)
        {
            _reads.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (failing.Contains(key)) throw new IOException($"bad sector at {key}");
            return inner.TryGet(key, out value);
        }
    }
}
