"""Delete each guard of the incremental and rebuild code (and of the output safety and of the inputs' checks:
sources, bounds, the project file), one at a time, and check that a test fails.

A guard whose deletion leaves every test passing protects nothing the tests can see. Run it by hand after
changing a guard or its tests (it takes a few minutes; it is not part of ``make test``):

    .venv/bin/python -m tests.guards [NAME ...]

Each mutation replaces one exact piece of source (it must occur exactly once) and runs the tests named for it.
The exit code is the number of guards whose deletion no test noticed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "opendata_graph"
TESTS = ["tests/test_incremental.py", "tests/test_rebuild.py"]

#: name -> (module, the guard as written, what it becomes without the guard)
MUTANTS: dict[str, tuple[str, str, str]] = {
    "cache version": ("stages/cache.py", 'manifest.get("version") != CACHE_VERSION or ', ""),
    "dirty (interrupted run)": ("stages/cache.py", ' or manifest.get("dirty")\n', "\n"),
    "data directory": ("stages/cache.py", 'or manifest.get("data") != str(self.opts.data.resolve())\n', "\n"),
    "fingerprint (shapes, ontology, queries, seeds)": (
        "stages/cache.py", 'or manifest.get("fingerprint") != fingerprint(self.opts)', "or False"),
    "reach of the shapes": ("stages/validate.py", "if reach(shapes) > 1 or inverse is None:", "if inverse is None:"),
    "violation queries reading beyond their subject": (
        "stages/validate.py", "        if reason is not None:\n            raise CacheUnusable(", "        if False:\n            raise CacheUnusable("),
    "unknown kind directory": (
        "source/changes.py", "if strict and any(p.is_dir() and p.name not in KIND_BY_DIRECTORY for p in data.iterdir()):",
        "if False:"),
    "symbolic link or special file": ("source/changes.py", "if not found.is_file(follow_symlinks=False):",
                                      "if False:"),
    "release.yaml in the fingerprint": (
        "stages/cache.py", 'h.update(hashlib.sha256(release.read_bytes() if release.is_file() else b"").digest())',
        "pass"),
    "errors of the changed files": ("source/changes.py", "    if errors:\n        raise ErrorList(errors)\n", ""),
    "content hash of a touched file": ("source/changes.py", 'or current[rel] != states[rel]["sha"]}', "}"),
    "previous release elsewhere": (
        "stages/cache.py", 'if meta.get("dist") != str(dist) or meta.get("base") != self.opts.base:', "if False:"),
    "dist/ changed": ("stages/cache.py", "if any(_identity(dist / name) != state for name, state in meta[\"files\"].items()):",
                      "if False:"),
    "validation cache rewritten": ("stages/pipeline.py", 'if delta.manifest.get("generation") != self.generation:',
                                   "if False:"),
    "failed validation publishes nothing": ("stages/pipeline.py", "        if not delta.report.conforms(opts.strict):\n            raise failed(delta.report)\n",
                                            ""),
    "a stub's outside IRI (SPDX)": ("source/changes.py", "        data[kind.external[0]] = external[len(kind.external[1]):]\n",
                                    "        pass\n"),
    "a stub's retired status": ("source/changes.py", '        data["status"] = status\n', "        pass\n"),
    "no released record deleted": ("stages/pipeline.py", "    _none_deleted(opts, set(dataset.records))\n", ""),
    "no released record deleted (incremental)": (
        "stages/pipeline.py", '    _none_deleted(opts, {i for f in manifest["files"].values() for i in f["ids"]})\n', ""),
    "releases carried across the swap": ("stages/publish.py", "                releases.carry(dist, staging)", "                pass"),
    "releases given back after a kill": ("stages/publish.py", "        releases.rescue(leftover, dist)\n", ""),
    "a rename is checked whole before writing": ("source/rename.py", "    check(data_dir, p.texts)\n", ""),
}
#: Tests run for a guard besides TESTS (those of the release engine).
MORE_TESTS = {name: ["tests/test_tombstones.py", "tests/test_releases.py", "tests/test_serve.py"] for name in (
    "a stub's outside IRI (SPDX)",
    "a stub's retired status", "no released record deleted", "no released record deleted (incremental)",
    "releases carried across the swap", "releases given back after a kill")}
MORE_TESTS["a rename is checked whole before writing"] = ["tests/test_rename.py"]

#: The output-safety guards (docs/safety.md): tests/test_safety.py alone is run for them.
SAFETY: dict[str, tuple[str, str, str]] = {
    "an output odg did not write is refused": (
        "core/outputs.py", "    in_the_way = foreign(resolved, kind)\n    if in_the_way:",
        "    in_the_way = foreign(resolved, kind)\n    if False:"),
    "an output overlapping an input is refused": (
        "core/outputs.py", "        if resolved == p or resolved in p.parents:", "        if False:"),
    "a file as the output directory is refused": (
        "core/outputs.py", "    if os.path.lexists(output) and not output.is_dir():", "    if False:"),
    "a file among the output's parents is refused": ("core/outputs.py", "        if not ancestor.is_dir():", "        if False:"),
    "a released dist's releases are odg's": (
        "core/outputs.py", "    owned = listed | {MARKER, LEGACY[RELEASE], *RELEASE_KEPT}",
        "    owned = listed | {MARKER, LEGACY[RELEASE]}"),
    "dist checked again before the swap": (
        "stages/publish.py", "                if owned is not None:\n                    _still_ours(dist, owned)",
        "                pass"),
    "a foreign file in the site's way is refused": (
        "web/site.py", "        if os.path.lexists(path):\n            raise", "        if False:\n            raise"),
    "the pages' files checked before the first byte": (
        "web/site.py", "    files.check_free(name for iri in pages for name in page_files(iri[len(base):]))", ""),
    "site pages written whole": (
        "web/site.py", "        outputs.write_whole(self._path(relative), data, durable=False)",
        "        self._path(relative).write_bytes(data.encode() if isinstance(data, str) else data)"),
    "lock file not followed": ("core/locks.py", "os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC", "os.O_CREAT | os.O_CLOEXEC"),
    "lock file of this user": (
        "core/locks.py", "    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():", "    if False:"),
    "lock directory of this user": ("core/locks.py", "    if st.st_uid != os.geteuid():\n        raise",
                                    "    if False:\n        raise"),
    "lock directory closed to others": ("core/locks.py", "    if stat.S_IMODE(st.st_mode) & 0o077:", "    if False:"),
    "the machine's OSError is exit 2": ("cli/entry.py", "        located = os_error(exc)", "        located = None"),
    "serve --port in range": ("cli/serving.py", "type=click.IntRange(0, 65535), help=", "type=int, help="),
    "a release that does not parse is exit 2": ("web/serve.py", "    except SyntaxError as exc:",
                                               "    except ZeroDivisionError as exc:"),
    "live results link only http(s) IRIs": ("web/static/editor.js", ' && /^https?:/i.test(t.value)', ""),
}
MUTANTS.update(SAFETY)

#: Guards of the inputs, checked by their own tests only (not the incremental suite): name -> (module, guard,
#: without it, the tests that must fail).
OWN: dict[str, tuple[str, str, str, list[str]]] = {
    "a source copy's checksum": ("source/load.py", "elif hashlib.sha256(data).hexdigest() != sums[name]:", "elif False:",
                                 ["tests/test_sources.py"]),
    "a source copy listed": ("source/load.py", "        if name not in sums:", "        if False:", ["tests/test_sources.py"]),
    "an output inside another odg output": ("core/outputs.py", "        if marker.is_file():\n            owner",
                                            "        if False:\n            owner", ["tests/test_safety.py"]),
    "a dataset id the release's description takes": (
        "source/load.py", "    if record.kind.segment != mint.DATASET or record.id not in mint.DATASET_PARTS:\n",
        "    if True:\n", ["tests/test_bad_input.py"]),
    "the checks' readers stopped on abort": ("stages/validate.py", "            if spoiled:\n", "            if False:\n",
                                             ["tests/test_checking.py"]),
    "a reader that stopped early": ("stages/validate.py", "        if self._broken:\n", "        if False:\n",
                                    ["tests/test_checking.py"]),
    "a reader that answered before the end": (
        "stages/validate.py", "                self._broken = True  # it answered before", "                pass  # it answered before",
        ["tests/test_checking.py"]),
    "the readers ended when a run stops after its conversion": (
        "stages/pipeline.py", "    except BaseException:  # Ctrl-C included: the checks' readers must not wait",
        "    except ZeroDivisionError:  # Ctrl-C included: the checks' readers must not wait", ["tests/test_checking.py"]),
    "the violation parts: a statement split from its rdf:subject": (
        "stages/violations.py", "            if at < len(unowned) and unowned[at] == statement:", "            if False:",
        ["tests/test_violations.py"]),
    "the violation parts: a statement about two nodes": (
        "stages/violations.py", "            if part_of.setdefault(statement, i) != i:",
        "            if part_of.setdefault(statement, i) != i and False:", ["tests/test_violations.py"]),
    "the violation parts: a statement about two nodes in one piece": (
        "stages/violations.py", "        if len(about) > 1:", "        if False:",
        ["tests/test_violations.py"]),
    "the violation parts: an escape in a predicate or a cited source": (
        "stages/violations.py", '        if self.tangled is None and (any("\\\\" in p for p in {p for _, p, _ in rows})',
        "        if False and (any(0 for p in {p for _, p, _ in rows})", ["tests/test_violations.py"]),
    "locality: MINUS anchors itself": ("stages/locality.py", 'anchors if name == "LeftJoin" else _NONE)',
                                      "anchors)", ["tests/test_locality.py"]),
    "locality: OPTIONAL and MINUS only on the main line": (
        "stages/locality.py", '    elif name in ("LeftJoin", "Minus"):\n        raise',
        '    elif name in ("LeftJoin", "Minus"):\n        _required(node.p1, triples, branches)\n        return\n        raise',
        ["tests/test_locality.py"]),
    "locality: no EXISTS off the main line": ("stages/locality.py", "    if expr is not None and _expression(expr):",
                                              "    if False:", ["tests/test_locality.py"]),
    "locality: EXISTS after ?subject is bound": ("stages/locality.py", "        if graphs and not bound:",
                                                 "        if False:", ["tests/test_locality.py"]),
    "locality: OPTIONAL and MINUS after ?subject is bound": (
        "stages/locality.py", "        if not bound:\n            raise _NotLocal(f\"it uses {'OPTIONAL'",
        "        if False:\n            raise _NotLocal(f\"it uses {'OPTIONAL'", ["tests/test_locality.py"]),
    "locality: no random functions": ("stages/locality.py", "            if node.name in _RANDOM:",
                                      "            if False:", ["tests/test_locality.py"]),
    "the violation parts: a statement about a statement": (
        "stages/violations.py", "        if any(about in part_of for about in self._abouts):", "        if False:",
        ["tests/test_violations.py"]),
    "the violation parts: only the owner's answers": (
        "stages/violations.py", "                    if mine:", "                    if True:", ["tests/test_violations.py"]),
    "the violation parts: the cited sources' types": (
        "stages/violations.py", "                for i in parts or ():\n                    self._files[i].write(line)",
        "                pass", ["tests/test_violations.py"]),
    "the violation parts: a subject no part owns": (
        "stages/violations.py", "                        return self.query(queries, lenient)",
        "                        continue", ["tests/test_violations.py"]),
    "the checks' rows all written": ("stages/validate.py", "            self._file.write(data)\n", "            pass\n",
                                     ["tests/test_checking.py"]),
    "the release says the quotes were not checked": (
        "stages/publish.py", "        if not release.quotes_checked:", "        if False:", ["tests/test_sources.py"]),
    "a file's size before it is read": ("source/load.py", "            check_size(path, file_limit(path))", "            pass",
                                         ["tests/test_bounds.py"]),
    "a table's header before its rows": ("source/load.py", "            _check_header(path, header, kind)\n", "",
                                         ["tests/test_bounds.py"]),
    "YAML values counted": ("source/load.py", "        if count >= MAX_YAML_EVENTS:", "        if False:",
                            ["tests/test_bounds.py"]),
    "an IRI's characters (RFC 3987)": ("source/schema.py", "        problem = iri_problem(value)\n        if problem is not None:",
                                       "        problem = None\n        if False:", ["tests/test_bounds.py"]),
    "the project file found above": ("core/project.py", "    for directory in (start, *start.parents):",
                                     "    for directory in (start,):", ["tests/test_project.py"]),
    "the project's paths as defaults": ("core/paths.py", "    return setting(key) or default", "    return default",
                                        ["tests/test_project.py"]),
    "a project path inside the project": ("core/project.py", "        if path != root and not path.is_relative_to(root):",
                                          "        if False:", ["tests/test_project.py"]),
    "odg init refuses a directory in use": ("core/project.py", "    if directory.exists() and (", "    if False and (",
                                            ["tests/test_project.py"]),
}
for _name, (_module, _guard, _without, _tests) in OWN.items():
    MUTANTS[_name] = (_module, _guard, _without)


#: Guards no test can reach, because another guard always fires first -- kept as a second line of defence.
REDUNDANT = {
    "previous release elsewhere": "another --dist fails the identity check of dist/'s files; another --base voids "
                                  "the validation cache's fingerprint, and its full run rewrites the record",
    "validation cache rewritten": "a full run that rewrites the validation cache removes the whole cache "
                                  "directory, publish.sqlite with it (StoreLoad), so the record is gone first",
}


def run(name: str) -> bool:
    """Whether a test failed with the guard ``name`` deleted."""
    module, guard, without = MUTANTS[name]
    path = SRC / module
    original = path.read_text(encoding="utf-8")
    if original.count(guard) != 1:
        raise SystemExit(f"{name}: the guard is not found exactly once in {module}: update tests/guards.py")
    try:
        path.write_text(original.replace(guard, without), encoding="utf-8")
        tests = ["tests/test_safety.py"] if name in SAFETY else OWN[name][3] if name in OWN else \
            [*TESTS, *MORE_TESTS.get(name, [])]
        result = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "0",
                                 *tests],
                                cwd=ROOT, capture_output=True, text=True, timeout=900)
    finally:
        path.write_text(original, encoding="utf-8")
    return result.returncode != 0


def main(names: list[str]) -> int:
    survivors = 0
    for name in names or list(MUTANTS):
        caught = run(name)
        if not caught and name in REDUNDANT:
            print(f"redundant {name} ({REDUNDANT[name]})", flush=True)
            continue
        survivors += not caught
        print(f"{'caught   ' if caught else 'SURVIVED '} {name}", flush=True)
    return survivors


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
