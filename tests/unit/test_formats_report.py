"""Import and export reports: readable text, escaped HTML, bounded examples."""

from __future__ import annotations

from dl_jupyter.entities import annotation_definitions as defs
from dl_jupyter.entities.annotation import Annotation
from dl_jupyter.formats.report import EXAMPLES_PER_REASON, ExportReport, ImportReport
from dl_jupyter.repositories import rows


def test_counts_skips_and_warnings_read_as_text():
    report = ImportReport("coco", "instances.json")
    report.add("items", 2)
    report.add("annotations", 1500)
    report.skip("annotation", "unknown category_id 9", "annotations[4]")
    report.warn("annotation", "coordinates outside the image (kept)", "annotations[7]")
    text = repr(report)
    assert "imported 2 items, 1,500 annotations" in text
    assert "1 annotation: unknown category_id 9" in text
    assert "annotation at annotations[7]: coordinates outside the image (kept)" in text
    assert (report.items, report.annotations, report.labels, report.skipped_count) == (
        2,
        1500,
        0,
        1,
    )


def test_examples_are_bounded_per_reason_but_every_skip_is_counted():
    report = ImportReport("coco", "f.json")
    for n in range(1000):
        report.skip("annotation", "unknown category_id 9", f"annotations[{n}]")
    assert report.skipped_count == 1000
    assert len(report.examples) == EXAMPLES_PER_REASON


def test_html_escapes_user_strings():
    report = ExportReport("yolo", "<out>")
    report.skip("annotation", "label <script>alert(1)</script>", "/a&b.jpg")
    html = report._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "/a&amp;b.jpg" in html and "&lt;out&gt;" in html


def test_box_values_are_what_annotation_values_gives_for_a_box():
    box = defs.Box(left=1.5, top=2, right=11, bottom=20.25, label="cat")
    entity = Annotation(
        annotation_definition=box, metadata={"system": {"coco": {"id": 3}}}, source="sdk"
    )
    assert rows.box_values("cat", 1.5, 2, 11, 20.25, {"coco": {"id": 3}}) == rows.annotation_values(
        entity
    )
