#!/usr/bin/env python3
"""Prints the binary name of every Lambda function in template.yaml, one per line."""
import pathlib
import re

template = (pathlib.Path(__file__).resolve().parent.parent / "template.yaml").read_text()
for name in re.findall(r"^\s+Binary:\s*(\S+)\s*$", template, re.M):
    print(name)
