#!/usr/bin/env bash
# Time `make study` on a fresh clone of HEAD, as a newcomer would run it (issue 16).
#
#   scripts/time_study.sh warm   # committed results, empty cache: the notebooks only read results/
#   scripts/time_study.sh cold   # empty results/ and cache: every run of the cpu preset is computed
#                                # (not the fine-tuning grids: they are scripts/run_experiments.py stages)
# Prints the virtualenv build and the study separately. Run it on a quiet machine.
set -euo pipefail
mode=${1:?usage: scripts/time_study.sh warm|cold}
repo=$(git rev-parse --show-toplevel)
t=$(mktemp -d)
git clone -q "$repo" "$t/main"
[ -e "$repo/../shared" ] && ln -s "$(cd "$repo/../shared" && pwd)" "$t/shared"
export HYBRIDLIB_CACHE="$t/cache"
[ "$mode" = cold ] && export HYBRIDLIB_RESULTS="$t/results"
cd "$t/main"
s0=$(date +%s)
make setup >/dev/null
s1=$(date +%s)
make study
s2=$(date +%s)
echo "$mode make study on a fresh clone of $(git rev-parse --short HEAD): virtualenv $((s1 - s0)) s, notebooks $((s2 - s1)) s, total $((s2 - s0)) s ($t)"
