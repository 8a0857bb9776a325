"""What an import or export did: counts of what was written, and everything left out with why.

Nothing an import drops goes unreported: a skipped item or annotation is counted under its
reason, and the first examples of each reason keep where in the input it came from, so a
report stays small even when a million annotations share one problem.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from dl_jupyter import _html

EXAMPLES_PER_REASON = 20


@dataclass
class Issue:
    """One thing left out (or changed) on import: what it was, where, and why."""

    kind: str
    reason: str
    where: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.where}: {self.reason}"


@dataclass
class _Report:
    format: str
    path: str
    counts: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    examples: list[Issue] = field(default_factory=list)
    _per_reason: Counter = field(default_factory=Counter, repr=False)

    _VERB = ""

    def add(self, kind: str, count: int = 1) -> None:
        """Count ``count`` written entities of ``kind`` ('items', 'annotations', 'labels'...)."""
        self.counts[kind] += count

    def skip(self, kind: str, reason: str, where: str) -> None:
        """Record a ``kind`` ('item', 'annotation') that was left out, and why."""
        self.skipped[(kind, reason)] += 1
        self._example(Issue(kind, reason, where))

    def warn(self, kind: str, reason: str, where: str) -> None:
        """Record a ``kind`` that was written, but with something the user should know."""
        self.warnings[(kind, reason)] += 1
        self._example(Issue(kind, reason, where))

    def _example(self, issue: Issue) -> None:
        key = (issue.kind, issue.reason)
        if self._per_reason[key] < EXAMPLES_PER_REASON:
            self.examples.append(issue)
        self._per_reason[key] += 1

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())

    def __getattr__(self, name: str) -> int:
        # report.items, report.annotations...: the written count of that kind
        if name.startswith("_"):
            raise AttributeError(name)
        return self.counts[name]

    def _lines(self) -> list[str]:
        done = ", ".join(f"{n:,} {kind}" for kind, n in self.counts.items()) or "nothing"
        lines = [f"{type(self).__name__} ({self.format}, {self.path}): {self._VERB} {done}"]
        for title, counter in (("skipped", self.skipped), ("warnings", self.warnings)):
            if counter:
                lines.append(f"  {title} {sum(counter.values()):,}:")
                lines += [
                    f"    {n:,} {kind}: {reason}" for (kind, reason), n in counter.most_common()
                ]
        if self.examples:
            lines.append("  first examples:")
            lines += [f"    {issue}" for issue in self.examples[:10]]
        return lines

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        rows = [(f"{self._VERB} {kind}", f"{n:,}") for kind, n in self.counts.items()]
        rows += [
            (f"skipped {kind}", f"{n:,}: {reason}")
            for (kind, reason), n in self.skipped.most_common()
        ]
        rows += [
            (f"warning {kind}", f"{n:,}: {reason}")
            for (kind, reason), n in self.warnings.most_common()
        ]
        examples = "".join(
            f"<tr><td>{_html.esc(i.kind)}</td><td>{_html.esc(i.where)}</td><td>{_html.esc(i.reason)}</td></tr>"
            for i in self.examples[:50]
        )
        detail = (
            f"<details><summary>{len(self.examples)} examples</summary><table>"
            f"<tr><th>what</th><th>where</th><th>why</th></tr>{examples}</table></details>"
            if examples
            else ""
        )
        title = f"{type(self).__name__}: {self.format} {self.path}"
        return f"<div class='dl-report'>{_html.table(rows, title=title)}{detail}</div>"


@dataclass(repr=False)
class ImportReport(_Report):
    """What ``dataset.import_from`` wrote (``report.items``, ``report.annotations``...) and
    what it left out.

    ``resumed`` is True when the import continued an earlier one that was interrupted.
    """

    resumed: bool = False
    _VERB = "imported"

    def _lines(self) -> list[str]:
        lines = super()._lines()
        if self.resumed:
            lines[0] += " (resumed an interrupted import)"
        return lines


@dataclass(repr=False)
class ExportReport(_Report):
    """What ``dataset.export_to`` wrote: counts, the files written, and what the format could
    not hold."""

    files: list[str] = field(default_factory=list)
    _VERB = "exported"
