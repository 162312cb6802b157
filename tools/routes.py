#!/usr/bin/env python3
"""Prints the API routes `cargo lambda watch` serves, from Cargo.toml, one per line:
METHOD PATH FUNCTION. The scripts use it to warm functions up; tests compare it with
template.yaml."""
import pathlib
import sys
import tomllib

root = pathlib.Path(__file__).resolve().parent.parent
manifest = tomllib.loads((root / "Cargo.toml").read_text())
router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
for path, targets in router.items():
    for target in targets if isinstance(targets, list) else [{"function": targets}]:
        sys.stdout.write(f"{target.get('method', 'ANY')} {path} {target['function']}\n")
