#!/usr/bin/env python3
"""Adds a block of Markdown (read from stdin) at the end of one `## ` section of a docs file,
creating the file or the section if missing, so benchmark scripts that share docs/benchmarks.md
never write into each other's sections.
    docs-section.py FILE "## Heading" ["intro line for a new section"] < block.md
"""
import sys
from pathlib import Path

path, heading = Path(sys.argv[1]), sys.argv[2]
intro = sys.argv[3] if len(sys.argv) > 3 else ""
block = sys.stdin.read().strip("\n")
lines = path.read_text().splitlines() if path.exists() else ["# Benchmarks"]
if heading not in lines:
    lines += ["", heading] + (["", intro] if intro else [])
start = lines.index(heading)
end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
while end > start + 1 and lines[end - 1] == "":
    end -= 1
lines[end:end] = [""] + block.splitlines()
path.write_text("\n".join(lines) + "\n")
