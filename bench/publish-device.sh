#!/usr/bin/env bash
# A self-contained, trimmed build of the CLI for a machine without .NET (the lent many-core device),
# small enough to carry there (~43 MB): publish/parallelexec/ParallelExec.Cli (git-ignored).
#   bash bench/publish-device.sh
#   then, on the device (run tool, carry ["publish/parallelexec"]):
#   publish/parallelexec/ParallelExec.Cli bench --workload p2p --work 22 --workers 1,2,4,8,16 --runs 5 --json > $OUT/scaling.json
set -euo pipefail
cd "$(dirname "$0")/.."
out=publish/parallelexec
rm -rf "$out" src/ParallelExec.Cli/obj/Release/net10.0/linux-x64 # the trimmer's cache ignores changed feature switches
# Partial trimming trims only the framework (RocksDbSharp, System.CommandLine and Spectre.Console stay
# whole); the JSON reports serialise anonymous types by reflection, so reflection stays on.
dotnet publish src/ParallelExec.Cli -c Release -r linux-x64 --self-contained \
  -p:PublishTrimmed=true -p:TrimMode=partial -p:JsonSerializerIsReflectionEnabledByDefault=true \
  -p:SuppressTrimAnalysisWarnings=true -o "$out"
# The package ships three builds of librocksdb; a glibc Linux loads librocksdb.so.
rm -f "$out/librocksdb-musl.so" "$out/librocksdb-jemalloc.so"
"$out/ParallelExec.Cli" --version
du -sh "$out"
