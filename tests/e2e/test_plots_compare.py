"""`dvc plots diff` of two revisions' learning curves, drawn in a real headless Chromium.

The page must tell the revisions apart: the template (.dvc/plots/series.json) draws each
revision with its own dash, and its legend must show that dash, a line per revision, not the
same dot for all. A small project built from scratch in seconds, no training: the project's own
learning-curve plot (its dvc.yaml entry, both templates and .dvc/config) over made-up curves,
one set committed on main, another on a branch.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from dvc_project import commit_all, init_repo
from dvc_runs import DvcProject
from headless_chromium import rendered_dom
from stage_runs import DVC_YAML, PROJECT

pytestmark = pytest.mark.e2e

PLOT = "learning_curves_accuracy"
COPIED = (".dvc/config", ".dvc/plots/series.json", ".dvc/plots/offline.html")
SERIES = json.loads((PROJECT / ".dvc" / "plots" / "series.json").read_text())
REVISION_TITLE = SERIES["encoding"]["strokeDash"]["title"]  # "revision"
COLOUR_TITLE = SERIES["encoding"]["color"]["title"]  # "model: series"


def plot_spec() -> dict[str, Any]:
    """dvc.yaml's `learning_curves_accuracy` entry, as the project declares it."""
    for entry in DVC_YAML["plots"]:
        if isinstance(entry, dict) and PLOT in entry:
            return entry[PLOT]
    raise AssertionError(f"dvc.yaml declares no plot {PLOT}")


def write_curves(root: Path, spec: dict[str, Any], epochs: int, lift: float) -> None:
    """A made-up curve in every file the plot reads: `epochs` rows of x and the y field."""
    assert spec["template"] == "series" and isinstance(spec["y"], dict), spec
    for number, (name, y_field) in enumerate(spec["y"].items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sep = "\t" if path.suffix == ".tsv" else ","
        rows = [f"{spec['x']}{sep}{y_field}"] + [
            f"{epoch}{sep}{0.5 + lift + 0.1 * epoch + 0.01 * number:.4f}" for epoch in range(epochs)
        ]
        path.write_text("\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DvcProject:
    """Curves of 3 epochs committed on main; a branch `longer` with 4 epochs, higher."""
    root = tmp_path_factory.mktemp("plots-compare") / "project"
    root.mkdir()
    project = DvcProject(root, root.parent / "site-cache")
    init_repo(root, project.env)
    project.dvc("init", "-q")
    for name in COPIED:
        assert (PROJECT / name).is_file(), f"{name} is missing from the checkout"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / name, root / name)
    spec = plot_spec()
    (root / "dvc.yaml").write_text(yaml.safe_dump({"plots": [{PLOT: spec}]}, sort_keys=False))
    write_curves(root, spec, epochs=3, lift=0.0)
    commit_all(root, project.env, "baseline curves")
    project.git("checkout", "-q", "-b", "longer")
    write_curves(root, spec, epochs=4, lift=0.05)
    commit_all(root, project.env, "longer training")
    return project


def test_diff_json_holds_both_revisions(project: DvcProject) -> None:
    shown = json.loads(project.dvc("plots", "diff", "main", "--json").stdout)
    (plot,) = shown["data"][PLOT]
    assert sorted(plot["revisions"]) == ["main", "workspace"], plot["revisions"]
    rows = plot["content"]["data"]["values"]
    sources = len(plot_spec()["y"])
    assert sum(row["rev"] == "main" for row in rows) == 3 * sources
    assert sum(row["rev"] == "workspace" for row in rows) == 4 * sources


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def all_text(self) -> str:
        return self.text + "".join(child.all_text() for child in self.children)


class DomTree(HTMLParser):
    """The dumped DOM as a tree of Nodes (Vega's SVG closes every element)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {key: value or "" for key, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {key: value or "" for key, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].text += data


def legends(root: Node) -> dict[str, dict[str, dict[str, str]]]:
    """Every drawn legend: its title -> {entry label: the attributes of the entry's symbol}."""
    found = {}
    for legend in (node for node in root.walk() if node.has_class("role-legend")):
        titles = [node.all_text() for node in legend.walk() if node.has_class("role-legend-title")]
        entries = {}
        for node in legend.walk():
            symbols = [child for child in node.children if child.has_class("role-legend-symbol")]
            labels = [child for child in node.children if child.has_class("role-legend-label")]
            if symbols and labels:
                (path,) = [child for child in symbols[0].walk() if child.tag == "path"]
                entries[labels[0].all_text()] = path.attrs
        found[titles[0]] = entries
    return found


def drawn_lines(root: Node) -> list[tuple[str, str]]:
    """Each line drawn in the chart: (its revision, its dash), read from its aria label
    ("epoch: 0; accuracy: 0.5; model: series: mlp: accuracy; revision: main")."""
    lines = []
    for node in root.walk():
        if node.tag == "path" and node.attrs.get("aria-roledescription") == "line mark":
            (revision,) = [
                item.removeprefix(f"{REVISION_TITLE}: ")
                for item in node.attrs["aria-label"].split("; ")
                if item.startswith(f"{REVISION_TITLE}: ")
            ]
            lines.append((revision, node.attrs.get("stroke-dasharray", "")))
    return lines


@pytest.fixture(scope="module")
def page(project: DvcProject, tmp_path_factory: pytest.TempPathFactory) -> Node:
    """`dvc plots diff main`'s page (the offline template) as Chromium drew it."""
    out = tmp_path_factory.mktemp("plots-compare-page")
    project.dvc("plots", "diff", "main", "-o", str(out / "page"))
    html = (out / "page" / "index.html").read_text()
    assert not re.search(r"<script[^>]+src=", html), "the page loads a script from elsewhere"
    return DomTree(rendered_dom(out / "page" / "index.html", out / "profile")).root


def test_legend_shows_each_revision_line_style(page: Node) -> None:
    drawn = legends(page)
    assert REVISION_TITLE in drawn, f"no legend titled {REVISION_TITLE!r}: {sorted(drawn)}"
    revisions = drawn[REVISION_TITLE]
    assert sorted(revisions) == ["main", "workspace"], revisions
    for label, symbol in revisions.items():
        # a horizontal line (Vega's "stroke" symbol), drawn in a visible colour
        assert re.fullmatch(r"M-([\d.]+),0(?:L\1,0|H\1)", symbol["d"]), (label, symbol)
        assert float(symbol["d"].split(",")[0][2:]) >= 8, (label, symbol)  # 16 px long or more
        assert symbol.get("stroke") not in (None, "", "none", "transparent"), (label, symbol)
        assert float(symbol.get("stroke-width", "1")) >= 1.5, (label, symbol)
        assert float(symbol.get("opacity", "1")) > 0, (label, symbol)
    dashes = {label: symbol.get("stroke-dasharray", "") for label, symbol in revisions.items()}
    assert len(set(dashes.values())) == len(dashes), dashes

    lines = drawn_lines(page)
    sources = len(plot_spec()["y"])
    assert len(lines) == 2 * sources, lines  # one line per revision and file
    for revision, dash in lines:  # each revision's lines use the dash its legend entry shows
        assert dash == dashes[revision], (revision, dash, dashes)


def test_colour_legend_names_each_series(page: Node) -> None:
    series = legends(page)[COLOUR_TITLE]
    assert len(series) == len(plot_spec()["y"]), sorted(series)  # one per file the plot reads
    assert not {"undefined", "null", ""} & set(series), sorted(series)
    assert all(re.fullmatch(r"\w+: (validation )?\w+", label) for label in series), sorted(series)
    assert len({symbol["fill"] for symbol in series.values()}) == len(series), series
