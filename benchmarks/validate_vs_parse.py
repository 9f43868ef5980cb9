"""`kernelctl validate` and `render` of 1,000 and 10,000 real manifests against libyaml's parse floor.

The manifests are copies of examples/workspaces (every Resource type the examples hold, `file:` references
included). Validate = `load_paths` (parse, interpolate, inline files, validate every Resource), what
`kernelctl validate` runs; render = validate plus compiling every Resource against a sample platform context,
what `kernelctl render` runs. Floor = `yaml.load_all(..., CSafeLoader)` of every file: parsing alone. Medians
of interleaved runs. Prints figures; asserts nothing.

Usage: .venv/bin/python benchmarks/validate_vs_parse.py [--runs 3] [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EXAMPLES, copy_examples, interleaved  # noqa: E402


def parse_floor(folder: Path) -> int:
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            count += sum(1 for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if d)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()

    from user_space.model.load import load_paths
    from core_kernel.context import PlatformContext
    from kernelctl.render_cmd import render, to_yaml_stream

    context = PlatformContext.sample()

    per_copy = copy_examples_count()
    print(f"{'manifests':>9} {'parse s':>8} {'validate s':>10} {'render s':>9} {'validate/parse':>14} {'render/parse':>12}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            count = copy_examples(folder, max(1, round(size / per_copy)))
            loaded = load_paths([folder], env={})
            invalid = sum(not r.ok for r in loaded)
            medians = interleaved(
                args.runs,
                parse=lambda: parse_floor(folder),
                validate=lambda: load_paths([folder], env={}),
                render=lambda: to_yaml_stream(render([folder], context).objects),
            )
            print(
                f"{count:>9} {medians['parse']:>8.2f} {medians['validate']:>10.2f} {medians['render']:>9.2f} "
                f"{medians['validate'] / medians['parse']:>14.2f} {medians['render'] / medians['parse']:>12.2f}"
                + (f"  ({invalid} invalid)" if invalid else "")
            )


def copy_examples_count() -> int:
    return sum(
        sum(1 for d in yaml.load_all(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if d)
        for p in EXAMPLES.rglob("*")
        if p.suffix in (".yaml", ".yml")
    )


if __name__ == "__main__":
    main()
