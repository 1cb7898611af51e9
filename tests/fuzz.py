"""A seeded mutator of the real data files: each mutation must end in a located error or a pass, never a traceback.

``tests/test_fuzz.py`` runs a few hundred mutations within seconds in ``make test``; ``make fuzz`` runs thousands
(``python -m tests.fuzz --seconds 600``). A mutation is one of the classes a fuzzer once broke the tool with
(explicit YAML tags, huge integers, complex keys, trailing newlines in ids, dates in other digits, control
characters...) applied at a random place of a random record.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VALUES = [
    "!!float abc", "!!timestamp 2021-02-30", "!!binary xyz", "!!python/object:os.system x", "9" * 5000, "-" + "9" * 4400,
    "? [a, b]\n  : c", "{[1]: 2}", '"x\\n"', "'2015\\n'", "١٢٣٤", "２０２１-０１-１９", '"2021-01-19\\n"', "2021-02-30",
    '"\\x00"', '"\\e[31m"', '"\\a"', "[" * 30 + "]" * 30, "null", "~", "[]", "{}", "true", "0x1F", ".inf", "-.nan",
    "https://exa mple.org", "javascript:alert(1)", "'http://a\\nb'", '"' + "a" * 3000 + '"', "'\\u202e'", "&a x",
    "*a", "!!str", "|\n  multi\n  line", ">-\n  folded", "2021-13", "1e400", "-0", "+1", "0o17", "'\\ud800'",
]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    if not lines:
        return text
    i = rng.randrange(len(lines))
    line = lines[i]
    kind = rng.randrange(8)
    value = rng.choice(VALUES)
    if kind == 0 and ":" in line:  # replace a value
        key = line.split(":", 1)[0]
        lines[i] = f"{key}: {value}"
    elif kind == 1:  # insert a key
        indent = len(line) - len(line.lstrip(" -"))
        lines.insert(i, " " * indent + f"{rng.choice(['id', 'name', 'value', 'date', 'x', 'role'])}: {value}")
    elif kind == 2:  # delete a line
        del lines[i]
    elif kind == 3:  # duplicate a line
        lines.insert(i, line)
    elif kind == 4:  # a character in the middle
        j = rng.randrange(len(line) + 1)
        lines[i] = line[:j] + rng.choice(["\t", "\x00", "\x1b", "\x07", "\u2028", "\ufeff", ":", "#", "'", '"', "{", "["]) + line[j:]
    elif kind == 5:  # indentation
        lines[i] = " " * rng.randrange(0, 7) + line.lstrip()
    elif kind == 6:  # digits of another script in a date or number
        lines[i] = re.sub(r"\d", lambda m: chr(0x0660 + int(m.group())), line) if rng.random() < 0.5 else \
            re.sub(r"\d", lambda m: chr(0xFF10 + int(m.group())), line)
    else:  # a trailing newline inside a quoted id or IRI
        lines[i] = re.sub(r"(id|organisation|value): (\S+)$", r'\1: "\2\\n"', line)
    return "\n".join(lines) + "\n"


def one(data: Path, rng: random.Random, files: list[Path], check: Callable[[Path], None]) -> str | None:
    """Mutate one file of ``data`` (a scratch copy), run ``check``; the traceback text if it raised a non-odg error."""
    from opendata_graph.core.errors import OdgError

    target = rng.choice(files)
    original = target.read_bytes()
    try:
        target.write_text(mutate(original.decode("utf-8"), rng), encoding="utf-8")
        try:
            check(data)
        except OdgError as exc:
            for line in str(exc).splitlines():
                if ": error:" in line and not re.match(r"[^:]+\.(ya?ml|csv|tsv):\d+(:\d+)?: error:", line) \
                        and not re.match(r"[^:]+: error: (not a regular file|a symbolic link)", line):
                    return f"unlocated: {line}"
            return None
        except Exception:
            return f"{target.relative_to(data)}:\n{target.read_text(encoding='utf-8', errors='replace')}\n" \
                   f"{traceback.format_exc()}"
        return None
    finally:
        target.write_bytes(original)


def validate(data: Path) -> None:
    from opendata_graph.core import paths
    from opendata_graph.core.namespaces import DEFAULT_BASE
    from opendata_graph.source.load import load
    from opendata_graph.stages.convert import convert_files, vocabulary
    from opendata_graph.stages.validate import load_turtle_dir

    dataset = load(data)
    conversion = convert_files(dataset, DEFAULT_BASE)
    vocabulary(load_turtle_dir(paths.ontology_dir()))
    del conversion


def run(seconds: float, seed: int, scratch: Path) -> list[str]:
    from opendata_graph.core import paths

    data = scratch / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(paths.data_dir(), data)
    files = sorted(p for p in data.rglob("*.yaml") if p.name != "release.yaml")
    rng = random.Random(seed)
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        found = one(data, rng, files, validate)
        count += 1
        if found:
            failures.append(found)
    print(f"fuzz: {count} mutations, {len(failures)} traceback(s)", file=sys.stderr)
    return failures


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        found = run(args.seconds, args.seed, Path(tmp))
    for f in found[:5]:
        print(f, file=sys.stderr)
    sys.exit(1 if found else 0)
