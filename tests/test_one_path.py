"""One path: whatever sequence of edits a curator makes, a run of what changed gives what a run of everything gives.

A state machine (Hypothesis) edits a generated registry step by step -- a person's title, an organisation's name
(other files' triples carry it), a new organisation, one deleted, a post moved to it, a reference broken and
mended -- and after each
step runs ``odg build`` from the cache the previous run left and ``odg build --no-cache`` into another directory:
both fail alike, or both publish the same bytes. The cached build must have been incremental whenever it could
be (it was given a usable cache and the edit changed no ``part_of``), so a silent full build cannot pass.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from opendata_graph.core import paths
from opendata_graph.core.errors import OdgError
from opendata_graph.stages.pipeline import Options, Outcome, build

from .checks import BASE, edit, generate

ORGANISATIONS = 12


def run(root: Path, dist: Path, cache: bool) -> tuple[str, Outcome | None]:
    """``odg build``'s verdict ("published" or the error's text) and what it did."""
    try:
        return "published", build(Options(root / "data", paths.ontology_dir(), paths.shapes_dir(),
                                          paths.queries_dir(), dist, root / "seeds", BASE, cache=cache))
    except OdgError as exc:
        return str(exc), None


def files(dist: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(dist.iterdir())} if dist.exists() else {}


class Curator(RuleBasedStateMachine):
    """A curator's edits, each followed by a cached and an uncached build of the same data."""

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.root = Path(tempfile.mkdtemp(prefix="odg-one-path-"))
        self.data = self.root / "data"
        self.added: list[str] = []
        self.broken = False
        self.steps = 0

    @initialize()
    def first_build(self) -> None:
        generate.generate(ORGANISATIONS, self.root, cohorts=3)
        verdict, outcome = run(self.root, self.root / "dist", cache=True)
        assert verdict == "published" and outcome is not None and not outcome.incremental

    def org(self, n: int) -> Path:
        return self.data / "organisations" / f"org-{n:06d}.yaml"

    @rule(n=st.integers(1, ORGANISATIONS), title=st.sampled_from(["Chair", "Treasurer", "Director"]))
    def retitle(self, n: int, title: str) -> None:
        path = self.data / "people" / f"person-{n:06d}.yaml"
        text = path.read_text(encoding="utf-8")
        old = next(t for t in ("Chair", "Treasurer", "Director") if f"title: {t}" in text)
        edit(path, f"title: {old}", f"title: {title}")

    @rule(n=st.integers(1, ORGANISATIONS), name=st.sampled_from(["Renamed", "Other name"]))
    def rename(self, n: int, name: str) -> None:
        path = self.org(n)
        text = path.read_text(encoding="utf-8")
        line = next(x for x in text.splitlines() if x.startswith("name: "))
        path.write_text(text.replace(line, f"name: {name} {n}", 1), encoding="utf-8")

    @rule(n=st.integers(1, ORGANISATIONS))
    def add(self, n: int) -> None:
        new = f"org-{900 + len(self.added):06d}"
        text = self.org(n).read_text(encoding="utf-8")  # same quotes: they hold
        (self.data / "organisations" / f"{new}.yaml").write_text(text.replace(f"org-{n:06d}", new), encoding="utf-8")
        self.added.append(new)

    @precondition(lambda self: self.added)
    @rule()
    def delete_added(self) -> None:
        (self.data / "organisations" / f"{self.added.pop()}.yaml").unlink()

    @precondition(lambda self: self.added)
    @rule()
    def post_at_newest(self) -> None:
        """Person 2's post moves to the newest added organisation, or back: deleting that organisation later leaves
        the post dangling in a file that did not change (only a run that reloads the files referring to a deleted
        id reports it)."""
        path = self.data / "people" / "person-000002.yaml"
        found = re.search(r"organisation: (\S+)", path.read_text(encoding="utf-8"))
        assert found is not None
        current = found.group(1)
        target = self.added[-1] if current == "org-000002" else "org-000002"
        edit(path, f"organisation: {current}", f"organisation: {target}")

    @rule()
    def break_or_mend(self) -> None:
        """A post at an organisation that does not exist (a located error), or that post mended."""
        path = self.data / "people" / "person-000001.yaml"
        if self.broken:
            edit(path, "organisation: org-nowhere", "organisation: org-000001")
        else:
            edit(path, "organisation: org-000001", "organisation: org-nowhere")
        self.broken = not self.broken

    @invariant()
    def a_run_of_what_changed_is_a_run_of_everything(self) -> None:
        self.steps += 1
        cached, outcome = run(self.root, self.root / "dist", cache=True)
        full = self.root / "full"
        shutil.rmtree(full, ignore_errors=True)
        uncached, _ = run(self.root, full, cache=False)
        assert cached.replace(str(self.root / "full"), "DIST") == uncached.replace(str(full), "DIST")
        if cached == "published":
            assert outcome is not None and outcome.incremental  # no edit here needs a full build
            assert files(self.root / "dist") == files(full)

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


Curator.TestCase.settings = settings(max_examples=15, stateful_step_count=6, deadline=None,
                                     suppress_health_check=list(HealthCheck))
test_a_run_of_what_changed_is_a_run_of_everything = Curator.TestCase
