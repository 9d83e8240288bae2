#!/usr/bin/env bash
# Witness size and stateless verification time (proof check, execution, post-state root) against ordinary
# execution of the same block, for every built-in workload: 1000-tx blocks over 10000 accounts,
# block 3 of a generated 3-block chain, 2 workers, 11 timed runs each.
set -euo pipefail
PX=${PX:-src/ParallelExec.Cli/bin/Release/net10.0/ParallelExec.Cli}
DIR=${DIR:-$(mktemp -d)}
for w in p2p token amm hot mixed; do
  echo "== $w"
  $PX gen --workload $w --accounts 10000 --txs 1000 --blocks 3 --seed 1 -o $DIR/$w.pxb --force > /dev/null
  out=$($PX witness $DIR/$w.pxb --block 3 -o $DIR/$w.witness --force --workers 2 --repeat 11)
  echo "$out"
  pre=$(echo "$out" | sed -n 's/.*pre-state root \(0x[0-9a-f]*\),.*/\1/p')
  post=$(echo "$out" | sed -n 's/.*post-state root \(0x[0-9a-f]*\)$/\1/p')
  $PX verify-stateless --pre-root $pre --block $DIR/$w.pxb:3 --witness $DIR/$w.witness --claimed-root $post --workers 2 --repeat 11 2>&1 || true
done
