#!/bin/sh
# Print the path of a Python >= 3.12 (Mesa 3.4+ needs it), or nothing.
# Looks on PATH first, then in pyenv's versions (pyenv shims may hide them).
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
for c in python3.14 python3.13 python3.12 python3 python; do
    p=$(command -v "$c" 2>/dev/null) || continue
    if ok "$p"; then echo "$p"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -r -V); do
    if ok "$p"; then echo "$p"; exit 0; fi
done
exit 1
