# TAP helpers shared by the command-level test scripts (sourced; $T is the script's temporary
# folder and $CLI the tessera-cli under test).

n=0
failed=0

ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok () {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  for line in "$@"; do
    echo "# $line"
  done
  if [ -s "$T/err" ]; then
    sed 's/^/# stderr: /' "$T/err" | head -n 20
  fi
}

# run CMD...: runs the CLI, stdout in $T/out, stderr in $T/err, exit code in $rc.
run () {
  "$CLI" "$@" >"$T/out" 2>"$T/err"
  rc=$?
}

# check NAME CONDITION-COMMAND...: ok if the condition command succeeds.
check () {
  name=$1
  shift
  if "$@"; then ok "$name"; else not_ok "$name" "failed: $*" "exit code $rc"; fi
}

out_has () { grep -q -- "$1" "$T/out"; }
err_has () { grep -q -- "$1" "$T/err"; }
rc_is () { [ "$rc" -eq "$1" ]; }
