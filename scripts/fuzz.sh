#!/usr/bin/env bash
# Fuzzes one target for a while:  scripts/fuzz.sh FuzzParse ./dialplan/ 20s
#
# A run that fails having written no failing input (testdata/fuzz/<target>/) is Go's fuzz
# coordinator racing its own -fuzztime deadline (golang/go#75804, fixed in Go 1.27): it is run
# once more. A run that writes an input fails at once: that input is a bug.
set -uo pipefail
target=$1 pkg=$2 time=$3
go=${GO:-go}
corpus="$pkg/testdata/fuzz/$target"
count() { find "$corpus" -type f 2>/dev/null | wc -l; }
for attempt in 1 2; do
  before=$(count)
  out=$($go test ${TAGFLAG:-} -run '^$' -fuzz "^$target\$" -fuzztime "$time" -fuzzminimizetime 3s "$pkg" 2>&1)
  code=$?
  echo "$out"
  [ $code -eq 0 ] && exit 0
  if [ "$(count)" -gt "$before" ] || ! grep -q 'context deadline exceeded' <<<"$out"; then
    exit $code # a failing input, or another failure
  fi
  echo "fuzz: $target: the fuzz coordinator's deadline race (golang/go#75804), no failing input; running it again" >&2
done
exit $code
