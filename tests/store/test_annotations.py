"""Annotations: every geometry through the store, JSON, updates with versions, deletes, shows."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import dl_jupyter as dl
from tests.images import make_image


@pytest.fixture
def item(dataset, tmp_path):
    return dataset.items.upload(local_path=str(make_image(tmp_path / "i.png", (80, 60))))


def every_definition(height: int, width: int) -> list:
    mask = np.zeros((height, width), dtype=bool)
    mask[10:20, 30:50] = True
    return [
        dl.Classification(label="cat"),
        dl.Point(x=5, y=6, label="dog"),
        dl.Box(left=1, top=2, right=30, bottom=40, label="cat"),
        dl.Box(left=10, top=10, right=30, bottom=20, label="cat", angle=30),
        dl.Polygon(geo=[[1, 1], [20, 1], [20, 15], [1, 15]], label="dog"),
        dl.Polyline(geo=[[0, 0], [10, 10], [20, 5]], label="dog"),
        dl.Ellipse(x=40, y=30, rx=10, ry=5, angle=15, label="cat"),
        dl.Segmentation(geo=mask, label="cat"),
        dl.Cube.from_boxes_and_angle(1, 1, 10, 10, 3, 3, 12, 12, label="dog"),
        dl.Subtitle(text="hello there", label="speech"),
        dl.Note(left=1, top=1, right=5, bottom=5, label="note"),
    ]


def test_every_geometry_round_trips_through_the_store(item):
    definitions = every_definition(item.height, item.width)
    builder = item.annotations.builder()
    for definition in definitions:
        builder.add(annotation_definition=definition, metadata={"user": {"n": 1}})
    stored = item.annotations.upload(builder)
    assert [a.type for a in stored] == [d.type for d in definitions]
    listed = item.annotations.list()
    assert len(listed) == len(definitions)
    for original, again in zip(definitions, listed):
        assert again.annotation_definition == original, original.type
        assert again.metadata["user"] == {"n": 1} and again.creator == "owner@example.com"
    assert item.dataset.items.get(item_id=item.id).annotations_count == len(definitions)
    box = listed[2]
    assert (box.left, box.top, box.right, box.bottom) == (1, 2, 30, 40)


def test_json_round_trip_without_a_store(item):
    stored = item.annotations.upload(
        dl.Annotation.new(
            annotation_definition=dl.Polygon(geo=[[1, 1], [9, 1], [9, 9]], label="dog"),
            model_info={"name": "net", "confidence": 0.8},
        )
    )[0]
    data = stored.to_json()
    assert data["type"] == "segment" and data["coordinates"] == [
        [{"x": 1, "y": 1}, {"x": 9, "y": 1}, {"x": 9, "y": 9}]
    ]
    assert data["metadata"]["user"]["model"] == {"name": "net", "confidence": 0.8}
    again = dl.Annotation.from_json(data)
    assert again.annotation_definition == stored.annotation_definition and again.score == 0.8
    overlay = again.show(width=20, height=20, thickness=1, color=(255, 0, 0))
    assert overlay.shape == (20, 20, 4) and overlay[1, 5, 0] == 255


def test_copying_annotations_between_items_keeps_parents(item, dataset, tmp_path):
    pose_template = dataset.get_recipe().create_annotation_template("body", ["head", "foot"])
    parent = item.annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Pose(label="person", template_id=pose_template))
    )[0]
    builder = item.annotations.builder()
    builder.add(dl.Point(x=1, y=1, label="head"), parent_id=parent.id)
    builder.add(dl.Point(x=1, y=9, label="foot"), parent_id=parent.id)
    builder.upload()
    other = dataset.items.upload(local_path=str(make_image(tmp_path / "o.png")))
    copies = other.annotations.upload(item.annotations.list())
    pose = next(a for a in copies if a.type == "pose")
    assert {a.parent_id for a in copies if a.type == "point"} == {pose.id}
    assert pose.id != parent.id


def test_invalid_geometry_is_refused_and_nothing_written(item):
    with pytest.raises(dl.BadRequestError):
        dl.Polygon(geo=[[0, 0], [1, 1]], label="cat")
    with pytest.raises(dl.BadRequestError):
        dl.Box(left=10, top=0, right=5, bottom=5, label="cat")
    good = dl.Annotation.new(annotation_definition=dl.Point(1, 1, label="cat"))
    bad = dl.Annotation.new(annotation_definition=dl.Point(1, 1, label="cat"))
    bad.annotation_definition.y = float("nan")
    with pytest.raises(dl.BadRequestError):
        item.annotations.upload([good, bad])
    assert len(item.annotations.list()) == 0
    with pytest.raises(dl.BadRequestError, match="Parent annotations not found"):
        item.annotations.upload(
            dl.Annotation.new(annotation_definition=dl.Point(1, 1, label="c"), parent_id="nope")
        )


def test_labels_missing_from_the_recipe_are_accepted_and_flagged(item):
    item.annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Box(0, 0, 5, 5, label="my-label"))
    )
    listed = item.annotations.list()
    assert listed[0].label == "my-label"
    assert "(not in recipe)" in listed._repr_html_()


def test_update_label_attributes_and_stale_copies(item):
    stored = item.annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Box(0, 0, 5, 5, label="cat"))
    )[0]
    stale = item.annotations.get(stored.id)
    stored.label = "dog"
    stored.attributes = {"color": "black"}
    stored.metadata["user"]["red"] = True
    stored.update()
    stored.update()  # the object is refreshed, so a second update is not stale
    again = item.annotations.get(stored.id)
    assert (again.label, again.attributes, again.metadata["user"]["red"], again.version) == (
        "dog",
        {"color": "black"},
        True,
        3,
    )
    stale.label = "bird"
    with pytest.raises(dl.ConflictError):
        stale.update()
    assert item.annotations.get(stored.id).label == "dog"


def test_parenting_refuses_cycles(item):
    a, b = item.annotations.upload(
        [
            dl.Annotation.new(annotation_definition=dl.Point(1, 1, label="cat")),
            dl.Annotation.new(annotation_definition=dl.Point(2, 2, label="cat")),
        ]
    )
    b.parent_id = a.id
    b.update(system_metadata=True)
    a.parent_id = b.id
    with pytest.raises(dl.BadRequestError, match="Circular parenting"):
        a.update(system_metadata=True)


def test_status_and_delete_by_filter(item, dataset):
    stored = item.annotations.upload(
        [
            dl.Annotation.new(annotation_definition=dl.Box(0, 0, 5, 5, label="cat")),
            dl.Annotation.new(annotation_definition=dl.Box(0, 0, 9, 9, label="dog")),
            dl.Annotation.new(annotation_definition=dl.Point(3, 3, label="dog")),
        ]
    )
    assert stored[0].update_status(dl.AnnotationStatus.ISSUE).status == "issue"
    issues = dl.Filters(
        resource=dl.FiltersResource.ANNOTATION, field="metadata.system.status", values="issue"
    )
    assert dataset.annotations.list(filters=issues).items_count == 1
    assert item.annotations.update_status(annotation_id=stored[0].id, status="clear").status is None
    with pytest.raises(dl.BadRequestError, match="'wrong'"):
        stored[0].update_status("wrong")
    dogs = dl.Filters(resource=dl.FiltersResource.ANNOTATION, field="label", values="dog")
    item.annotations.delete(filters=dogs)
    assert [a.label for a in item.annotations.list()] == ["cat"]
    assert dataset.items.get(item_id=item.id).annotations_count == 1
    stored[0].delete()
    assert dataset.items.get(item_id=item.id).annotated is False


def test_show_overlays_in_recipe_colours(item):
    item.annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Box(10, 10, 30, 30, label="dog"))
    )
    overlay = item.annotations.show(thickness=-1)
    assert overlay.shape == (60, 80, 4) and tuple(overlay[20, 20]) == (0, 255, 0, 255)
    base = Image.new("RGB", (80, 60))
    mask = Image.fromarray(overlay)
    base.paste(mask, (0, 0), mask)
    assert base.getpixel((20, 20)) == (0, 255, 0)
    instance = item.annotations.show(
        annotation_format=dl.ViewAnnotationOptions.INSTANCE, thickness=-1
    )
    assert instance[20, 20] == item.dataset.instance_map["dog"]


def test_mask_polygon_box_conversions(item):
    mask = np.zeros((item.height, item.width), dtype=np.uint8)
    mask[5:15, 5:25] = 1
    mask[30:50, 40:60] = 1
    polygons = dl.Polygon.from_segmentation(mask=mask, label="cat", max_instances=None)
    boxes = dl.Segmentation(geo=mask, label="cat").to_box()
    assert len(polygons) == 2 and len(boxes) == 2
    builder = item.annotations.builder()
    builder.add(polygons)
    builder.add(annotation_definition=boxes)
    assert len(builder.upload()) == 4
    back = dl.Segmentation.from_polygon(geo=polygons[0].geo, label="cat", shape=mask.shape)
    assert back.geo.sum() > 0.8 * 400


def test_bulk_insert_stores_every_geometry_and_recounts(item, dataset):
    definitions = every_definition(item.height, item.width)
    annotations = [dl.Annotation(annotation_definition=d, item_id=item.id) for d in definitions]
    assert dataset.annotations.bulk_insert(annotations, batch_size=4) == len(definitions)
    stored = item.annotations.list()
    assert sorted(a.type for a in stored) == sorted(d.type for d in definitions)
    box = next(a for a in stored if a.type == "box" and not a.annotation_definition.angle)
    assert (box.left, box.top, box.right, box.bottom) == (1, 2, 30, 40)
    assert dataset.items.get(item_id=item.id).annotations_count == len(definitions)


def test_bulk_insert_refuses_other_datasets_items_and_bad_geometry(
    item, dataset, project, tmp_path
):
    other = project.datasets.create(dataset_name="other")
    stranger = other.items.upload(local_path=str(make_image(tmp_path / "s.png", (10, 10))))
    good = dl.Annotation(annotation_definition=dl.Point(x=1, y=1, label="cat"), item_id=item.id)
    foreign = dl.Annotation(
        annotation_definition=dl.Point(x=1, y=1, label="cat"), item_id=stranger.id
    )
    with pytest.raises(dl.BadRequestError, match="not in this dataset"):
        dataset.annotations.bulk_insert([good, foreign])
    bad = dl.Annotation(
        annotation_definition=dl.Box.unchecked(left=5, top=5, right=1, bottom=9, label="cat"),
        item_id=item.id,
    )
    with pytest.raises(dl.BadRequestError, match="negative width"):
        dataset.annotations.bulk_insert([good, bad])
    assert len(item.annotations.list()) == 0
