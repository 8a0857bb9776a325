"""The seed's full DQL examples (inventory 1.7), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime
import time

import pytest
import sqlalchemy as sa

import dl_jupyter as dl
from dl_jupyter.store import schema
from tests.images import make_image

# name -> (size, user metadata)
FILES = {
    "dogs/d1.jpg": ((100, 200), {"is_automated": True}),
    "dogs/d2.jpg": ((120, 80), {}),
    "dogs/d3.png": ((30, 30), None),
    "cats/c1.jpg": ((640, 480), {"is_automated": True}),
    "cats/c2.jpg": ((50, 60), {"is_automated": False}),
    "folderName1/a.jpg": ((10, 10), None),
    "folderName2/b.jpg": ((10, 10), None),
    "other/foo.bar.baz.jpg": ((10, 10), None),
    "other/foo.barx.jpg": ((10, 10), None),
}


@pytest.fixture
def data(dataset, tmp_path):
    """A small dataset whose answers are known for every example."""
    for name, (size, user) in FILES.items():
        make_image(tmp_path / "src" / name, size)
        dataset.items.upload(
            local_path=str(tmp_path / "src" / name),
            remote_path="/" + name.rsplit("/", 1)[0],
            item_metadata={"user": user} if user is not None else None,
        )
    get = dataset.items.get

    def annotate(path, *definitions):
        builder = get(filepath=path).annotations.builder()
        for definition in definitions:
            builder.add(definition)
        builder.upload()

    annotate(
        "/dogs/d1.jpg",
        dl.Box(0, 0, 10, 10, label="dog", attributes={"color": "black"}),
        dl.Box(0, 0, 5, 5, label="cat"),
    )
    annotate("/dogs/d2.jpg", dl.Box(0, 0, 10, 10, label="dog"))
    annotate("/cats/c1.jpg", dl.Box(1, 1, 9, 9, label="cat"), dl.Point(3, 4, label="Ear"))
    annotate("/cats/c2.jpg", dl.Note(0, 0, 5, 5, label="note"))
    statuses = {
        "/dogs/d1.jpg": ["completed"],
        "/dogs/d2.jpg": ["completed", "approved"],
        "/cats/c1.jpg": ["approved"],
        "/dogs/d3.png": [None],
    }
    with dataset._client.store.write() as conn:
        for path, values in statuses.items():
            item = get(filepath=path)
            for n, status in enumerate(values):
                conn.execute(
                    schema.item_refs.insert().values(
                        item_id=item.id,
                        ref_type="task" if status else "assignment",
                        ref_id=f"task{n}",
                        dataset_id=dataset.id,
                        status=status,
                    )
                )
    return dataset


def names(pages) -> list[str]:
    return [item.filename for item in pages.all()]


def test_items_in_a_folder_sorted_by_filename(data):
    filters = dl.Filters()
    filters.add(field="dir", values="/dogs", operator=dl.FILTERS_OPERATIONS_EQUAL)
    filters.sort_by(field="filename")
    pages = data.items.list(filters=filters)
    assert pages.items_count == 3
    assert names(pages) == ["/dogs/d1.jpg", "/dogs/d2.jpg", "/dogs/d3.png"]


def test_ne_join_and_items_without_cat_at_all(data):
    filters = dl.Filters()
    filters.add_join(field="label", values="cat", operator=dl.FILTERS_OPERATIONS_NOT_EQUAL)
    filters.sort_by(field="filename")
    # items having some annotation that is not a cat (c2's note is not a default annotation type
    # only for annotation queries; a join sees every annotation)
    assert names(data.items.list(filters=filters)) == [
        "/cats/c1.jpg",
        "/cats/c2.jpg",
        "/dogs/d1.jpg",
        "/dogs/d2.jpg",
    ]
    all_items = {item.id for item in data.items.list().all()}
    cats = dl.Filters()
    cats.add_join(field="label", values="cat")
    cat_items = {item.id for item in data.items.list(filters=cats).all()}
    assert len(all_items.difference(cat_items)) == len(FILES) - 2


def test_height_and_width(data):
    taller = dl.Filters()
    taller.add(
        field="metadata.system.height", values=100, operator=dl.FILTERS_OPERATIONS_GREATER_THAN
    )
    assert sorted(names(data.items.list(filters=taller))) == ["/cats/c1.jpg", "/dogs/d1.jpg"]
    narrower = dl.Filters()
    narrower.add(field="metadata.system.width", values=50, operator=dl.FILTERS_OPERATIONS_LESS_THAN)
    assert data.items.list(filters=narrower).items_count == 5


def test_dog_or_cat_labels(data):
    filters = dl.Filters()
    filters.add_join(field="label", values=["dog", "cat"], operator=dl.FILTERS_OPERATIONS_IN)
    filters.sort_by(field="filename")
    assert names(data.items.list(filters=filters)) == [
        "/cats/c1.jpg",
        "/dogs/d1.jpg",
        "/dogs/d2.jpg",
    ]


def test_items_with_user_metadata(data):
    filters = dl.Filters()
    filters.add(field="metadata.user", values=True, operator=dl.FILTERS_OPERATIONS_EXISTS)
    assert data.items.list(filters=filters).items_count == 4
    filters = dl.Filters()
    filters.add(
        field="metadata.user.is_automated", values=False, operator=dl.FILTERS_OPERATIONS_EXISTS
    )
    assert data.items.list(filters=filters).items_count == len(FILES) - 3


def test_created_in_a_year_with_method_switched_to_or(data):
    def items_created_between(start: int, end: int) -> int:
        filters = dl.Filters()
        offset = datetime.timezone(datetime.timedelta(seconds=-time.timezone))
        earlier = datetime.datetime(year=start, month=1, day=1, tzinfo=offset).isoformat()
        later = datetime.datetime(year=end, month=1, day=1, tzinfo=offset).isoformat()
        filters.add(field="createdAt", values=earlier, operator=dl.FiltersOperations.GREATER_THAN)
        filters.add(field="createdAt", values=later, operator=dl.FiltersOperations.LESS_THAN)
        filters.method = dl.FiltersMethod.OR
        return data.items.list(filters=filters).items_count

    assert items_created_between(2018, 2019) == 0
    this_year = datetime.datetime.now(datetime.timezone.utc).year
    assert items_created_between(this_year, this_year + 1) == len(FILES)


def test_note_annotations_sorted_by_label_descending(data):
    filters = dl.Filters(resource=dl.FiltersResource.ANNOTATION)
    filters.add(field="type", values="note")
    filters.sort_by(field="label", value=dl.FiltersOrderByDirection.DESCENDING)
    pages = data.annotations.list(filters=filters)
    assert pages.items_count == 1
    assert [a.type for page in pages for a in page] == ["note"]
    assert data.annotations.list(filters=dl.Filters(resource="annotations")).items_count == 5


def test_box_annotations_of_image_items_newest_first(data):
    filters = dl.Filters(resource=dl.FiltersResource.ANNOTATION)
    filters.add(field="type", values="box")
    filters.add_join(field="metadata.system.mimetype", values="image*")
    filters.sort_by(field="createdAt", value=dl.FILTERS_ORDERBY_DIRECTION_DESCENDING)
    pages = data.annotations.list(filters=filters)
    assert pages.items_count == 4
    created = [a.created_at for a in pages.all()]
    assert created == sorted(created, reverse=True)


def test_box_and_car_then_box_or_point(data):
    both = dl.Filters(resource=dl.FiltersResource.ANNOTATION)
    both.add(field="type", values="box", method=dl.FiltersMethod.AND)
    both.add(field="label", values="cat", method=dl.FiltersMethod.AND)
    assert data.annotations.list(filters=both).items_count == 2
    either = dl.Filters(resource=dl.FiltersResource.ANNOTATION)
    either.add(field="type", values="box", method=dl.FiltersMethod.OR)
    either.add(field="type", values="point", method=dl.FiltersMethod.OR)
    assert data.annotations.list(filters=either).items_count == 5
    slashed = dl.Filters(
        resource=dl.FiltersResource.ANNOTATION
    )  # the seed's '/box' matches nothing
    slashed.add(field="type", values="/box", method=dl.FiltersMethod.OR)
    assert data.annotations.list(filters=slashed).items_count == 0


def test_annotated_and_approved_with_boxes(data):
    annotated = dl.Filters(field="annotated", values=True)
    annotated.sort_by(field="filename")
    assert names(data.items.list(filters=annotated)) == [
        "/cats/c1.jpg",
        "/cats/c2.jpg",
        "/dogs/d1.jpg",
        "/dogs/d2.jpg",
    ]
    approved = dl.Filters()
    approved.add(field="metadata.system.annotationStatus", values="approved")
    approved.add_join(field="type", values="box")
    assert sorted(names(data.items.list(filters=approved))) == ["/cats/c1.jpg", "/dogs/d2.jpg"]


def test_annotated_and_automated_then_two_folders(data):
    filters = dl.Filters()
    filters.add(field="annotated", values=True, method=dl.FiltersMethod.AND)
    filters.add(field="metadata.user.is_automated", values=True, method=dl.FiltersMethod.AND)
    filters.sort_by(field="name")
    assert names(data.items.list(filters=filters)) == ["/cats/c1.jpg", "/dogs/d1.jpg"]
    folders = dl.Filters()
    folders.add(field="dir", values="/folderName1", method=dl.FiltersMethod.OR)
    folders.add(field="dir", values="/folderName2", method=dl.FiltersMethod.OR)
    folders.sort_by(field="dir", value=dl.FILTERS_ORDERBY_DIRECTION_DESCENDING)
    assert names(data.items.list(filters=folders)) == ["/folderName2/b.jpg", "/folderName1/a.jpg"]


def test_update_user_metadata_of_black_dogs(data):
    filters = dl.Filters()
    filters.add(field="dir", values="/dogs")
    filters.add_join(field="attributes", values="black")
    data.items.update(filters=filters, update_values={"BlackDogs": True})
    black = data.items.list(filters=dl.Filters(field="metadata.user.BlackDogs", values=True))
    assert names(black) == ["/dogs/d1.jpg"]
    item = data.items.get(filepath="/dogs/d1.jpg")
    assert item.metadata["user"] == {"is_automated": True, "BlackDogs": True}
    assert item.version == 2


def test_delete_by_creation_time(data):
    stamp = data.items.get(filepath="/dogs/d2.jpg").created_at
    exact = dl.Filters()
    exact.add(field="createdAt", values=stamp)
    matching = data.items.list(filters=exact).items_count
    assert matching >= 1
    data.items.delete(filters=exact)
    assert data.items.list(filters=exact).items_count == 0
    assert data.items.count() == len(FILES) - matching
    never = dl.Filters(resource=dl.FiltersResource.ANNOTATION)
    never.add(field="createdAt", values="2020-08-30T08:17:08.000Z")
    data.annotations.delete(filters=never)
    assert data.annotations.list(filters=dl.Filters(resource="annotations")).items_count > 0


def test_status_examples(data):
    def count(values) -> int:
        filters = dl.Filters()
        filters.add(field="metadata.system.annotationStatus", values=values)
        return data.items.list(filters=filters).items_count

    assert count(["completed", "approved"]) == 1
    assert count("completed") == 2
    assert count(["completed"]) == 1
    unassigned = dl.Filters()
    unassigned.add(field="metadata.system.refs", values=[])
    assert data.items.list(filters=unassigned).items_count == len(FILES) - 4


def test_name_glob_size_range_and_multi_sort(data):
    named = dl.Filters()
    named.add(field="name", values="foo.bar.*")
    assert names(data.items.list(filters=named)) == ["/other/foo.bar.baz.jpg"]
    sized = dl.Filters()
    sized.add(field="metadata.system.size", values="0", operator="gt")
    sized.add(field="metadata.system.size", values="5242880", operator="lt")
    sized.sort_by(field="filename", value=dl.FILTERS_ORDERBY_DIRECTION_ASCENDING)
    listed = names(data.items.list(filters=sized))
    assert len(listed) == len(FILES) and listed == sorted(listed)
    by_label = dl.Filters()
    by_label.resource = dl.FiltersResource.ANNOTATION
    by_label.sort_by(field="label", value=dl.FILTERS_ORDERBY_DIRECTION_ASCENDING)
    by_label.sort_by(field="createdAt", value=dl.FILTERS_ORDERBY_DIRECTION_DESCENDING)
    labels = [a.label for a in data.items.list(filters=by_label).all()]
    assert labels == sorted(labels)


def test_point_annotations_labelled_ear(data):
    filters = dl.Filters()
    filters.add_join(field="type", values="point")
    filters.add_join(field="label", values="Ear")
    assert names(data.items.list(filters=filters)) == ["/cats/c1.jpg"]


def test_count_annotations_with_page_size_zero(data):
    filters = dl.Filters(resource=dl.FiltersResource.ANNOTATION)
    filters.page_size = 0
    pages = data.annotations.list(filters=filters)
    assert pages.items_count == 5 and pages.items == []


def test_unknown_field_and_operator_are_bad_requests_naming_them(data):
    with pytest.raises(dl.BadRequestError, match="'colour'"):
        data.items.list(filters=dl.Filters(field="colour", values="red"))
    with pytest.raises(dl.BadRequestError, match=r"\$between"):
        data.items.list(filters={"filter": {"dir": {"$between": [1, 2]}}})
    with pytest.raises(dl.BadRequestError, match=r"'metadata\.system\.height'"):
        data.items.list(
            filters=dl.Filters(field="metadata.system.height", values="tall", operator="gt")
        )


def test_injection_attempts_are_values_not_sql(data):
    nasty = "x' OR '1'='1"
    assert data.items.list(filters=dl.Filters(field="name", values=nasty)).items_count == 0
    assert (
        data.items.list(filters=dl.Filters(field=f"metadata.user.{nasty}", values=1)).items_count
        == 0
    )
    with data._client.store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.items)).scalar() > 0
