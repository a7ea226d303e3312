#!/usr/bin/env bash
# The package as the index would serve it: build the sdist and wheel, check their
# metadata with twine (what the index renders), install the built wheel over the
# active environment's loopkit (its dependencies are already there) and run it
# from outside the source tree. Run inside CI's step-1 virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/loopkit-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
python -m pip install -q --no-cache-dir build twine
python -m build --outdir "$work/dist" . >/dev/null
python -m twine check --strict "$work/dist"/*
ls "$work/dist"
wheel=$(ls "$work/dist"/*.whl)
case "$(basename "$wheel")" in
  loopkit_cld-*) ;;
  *) echo "the wheel is not named loopkit_cld-*: $wheel" >&2; exit 1 ;;
esac
# The wheel holds the package (with py.typed), not the tests or examples.
python - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert "loopkit/py.typed" in names, "py.typed missing"
assert "loopkit/integrate/mkdocs.py" in names and "loopkit/integrate/sphinx.py" in names
assert "loopkit/output/report/explore.js" in names and "loopkit/output/report/explore.css" in names
assert not [n for n in names if n.startswith(("tests/", "examples/"))], "tests in the wheel"
entry = [n for n in names if n.endswith("entry_points.txt")]
text = zipfile.ZipFile(sys.argv[1]).read(entry[0]).decode()
assert "loopkit = loopkit.cli:main" in text and "[mkdocs.plugins]" in text, text
print(f"wheel: {len(names)} files, entry points ok")
PY
python -m pip install -q --no-cache-dir --force-reinstall --no-deps "$wheel"
cd "$work"  # outside the clone: only the installed wheel can answer
cp "$OLDPWD/examples/school-fines.yaml" .
loopkit --version
loopkit check school-fines.yaml
loopkit render school-fines.yaml -o school-fines.svg
loopkit export school-fines.yaml --to xlsx -o map.xlsx -q
loopkit import map.xlsx -o back.yaml -q
loopkit diff school-fines.yaml back.yaml
loopkit explore school-fines.yaml -o map.html -q  # its script and stylesheet are package data
echo "package: built, checked and run from the installed wheel"
