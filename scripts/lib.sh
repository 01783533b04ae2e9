# scripts/lib.sh: sourced by the scripts that start pve-sim and exporters for a while: a work
# folder, the processes they start (add each pid to `pids`), and the clean-up of both on exit.
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
