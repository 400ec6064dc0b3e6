#!/usr/bin/env bash
# Checks a XEP draft (default: xep-draft/push-relay.xml) and prints one line per check saying what
# ran (`npm run xep:check`; see xep-draft/README.md):
#  - always: its structure, against this project's RELAX NG schema schema/xep.rng, with the
#    entities of offline/xep.ent (all in the repository);
#  - when XEPS_DIR is set: its validity against the XSF's xep.dtd in that folder, with the XSF's
#    entities (xep.ent). A XEPS_DIR without both files is an error, never a skipped check.
# Exit status 0 when every check that ran passed, 1 otherwise.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
draft=${1:-$here/push-relay.xml}
failed=0

# Runs xmllint on the draft; on failure prints its messages (not its "fails to validate" summary).
lint() {
  local out
  if out=$(xmllint --nonet --noout --noent --loaddtd "$@" "$draft" 2>&1); then
    return 0
  fi
  printf '%s\n' "$out" | grep -v ' fails to validate$' >&2
  return 1
}

if lint --path "$here/offline" --relaxng "$here/schema/xep.rng"; then
  echo "xep:check: structure (own schema): ok"
else
  echo "xep:check: structure (own schema): FAILED: $draft does not match xep-draft/schema/xep.rng (messages above)"
  failed=1
fi

if [ -z "${XEPS_DIR:-}" ]; then
  echo "xep:check: XSF DTD: not run (set XEPS_DIR to the folder holding the XSF's xep.dtd and xep.ent)"
elif [ ! -f "$XEPS_DIR/xep.dtd" ] || [ ! -f "$XEPS_DIR/xep.ent" ]; then
  echo "xep:check: XSF DTD: FAILED: XEPS_DIR=$XEPS_DIR does not hold both xep.dtd and xep.ent"
  failed=1
else
  dir=$(cd "$XEPS_DIR" && pwd)
  if lint --path "$dir" --valid; then
    echo "xep:check: XSF DTD from $dir: ok"
  else
    echo "xep:check: XSF DTD from $dir: FAILED: $draft is not valid against its xep.dtd (messages above)"
    failed=1
  fi
fi

exit "$failed"
