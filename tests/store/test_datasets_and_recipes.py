"""Datasets (clone, merge, folders, labels) and their recipes and ontologies."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from tests.images import make_folder


@pytest.fixture
def filled(dataset, tmp_path):
    make_folder(tmp_path / "src", ["a.jpg", "b.jpg", "sub/c.jpg"])
    dataset.items.upload(
        local_path=str(tmp_path / "src"), item_metadata={"user": {"split": "train"}}
    )
    item = dataset.items.get(filepath="/src/a.jpg")
    item.annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Box(0, 0, 5, 5, label="cat"))
    )
    return dataset


def test_create_get_list_update_delete(project):
    datasets = project.datasets
    created = datasets.create(dataset_name="photos", labels={"cat": (255, 0, 0)})
    assert datasets.get(dataset_name="photos").id == created.id
    assert [d.name for d in datasets.list()] == ["photos"]
    with pytest.raises(dl.ConflictError, match="Name: 'photos'"):
        datasets.create(dataset_name="photos")
    with pytest.raises(dl.NotFoundError, match=r"Dataset not found\. Name: 'My-First-Dataset'"):
        datasets.get(dataset_name="My-First-Dataset")
    created.name = "pictures"
    created.metadata["owner"] = "team"
    created.update()
    assert datasets.get(dataset_id=created.id).name == "pictures" and created.version == 2
    assert created.delete(sure=True, really=True)
    assert datasets.list() == []


def test_clone_shares_binaries_and_filters(filled, project):
    clone = filled.clone(clone_name="snapshot")
    assert clone.items_count == 3 and clone.clone_of == filled.id
    original = filled.items.get(filepath="/src/a.jpg")
    copy = clone.items.get(filepath="/src/a.jpg")
    assert copy.blob == original.blob and copy.annotations_count == 1 and copy.id != original.id
    assert copy.metadata["user"] == {"split": "train"}
    subset = filled.clone(
        clone_name="subset",
        filters=dl.Filters(field="dir", values="/src/sub"),
        with_items_annotations=False,
        with_metadata=False,
    )
    assert [i.filename for i in subset.items.list().all()] == ["/src/sub/c.jpg"]
    assert subset.items.get(filepath="/src/sub/c.jpg").metadata.get("user") is None
    assert (
        subset.items.list(
            filters=dl.Filters(field="metadata.user.split", values="train")
        ).items_count
        == 0
    )
    assert "/src/sub" in subset.directory_tree().dir_names
    # deleting the original keeps the clone's binaries
    filled.delete(sure=True, really=True)
    assert copy.download(save_locally=False).read()


def test_merge_of_clones_and_of_distinct_datasets(filled, project, tmp_path):
    clone = filled.clone(clone_name="clone")
    clone.items.get(filepath="/src/b.jpg").annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Point(1, 1, label="dog"))
    )
    merged = project.datasets.merge(
        merge_name="merged", dataset_ids=[filled.id, clone.id], project_ids=[project.id, project.id]
    )
    assert merged.items_count == 3
    assert merged.items.get(filepath="/src/a.jpg").annotations_count == 2
    assert merged.items.get(filepath="/src/b.jpg").annotations_count == 1
    other = project.datasets.create(dataset_name="other", recipe_id=filled.recipe_ids[0])
    make_folder(tmp_path / "o", ["a.jpg"])
    other.items.upload(
        local_path=str(tmp_path / "o"),
        remote_path="/src",
    )
    other.items.move_items(destination="/src", filters=dl.Filters(field="dir", values="/src/o"))
    summed = project.datasets.merge(merge_name="summed", dataset_ids=[filled.id, other.id])
    assert summed.items_count == 4
    assert summed.items.get(filepath="/other/src/a.jpg").annotations_count == 0
    different = project.datasets.create(dataset_name="different")
    with pytest.raises(dl.BadRequestError, match="different default recipes"):
        project.datasets.merge(merge_name="nope", dataset_ids=[filled.id, different.id])


def test_labels_hierarchy_and_maps(dataset):
    dataset.add_label(label_name="Animal.Donkey", color="#123456")
    dataset.add_labels(
        label_list=dl.Label(tag="Fish", children=[dl.Label(tag="Shark"), dl.Label(tag="Salmon")])
    )
    dataset.add_labels(
        label_list=[
            {
                "label_name": "animal.Dog",
                "color": "#220605",
                "children": [{"label_name": "poodle", "color": "#298345"}],
            }
        ]
    )
    flat = dataset.labels_flat_dict
    assert {"Animal", "Animal.Donkey", "Fish.Shark", "animal.Dog.poodle"} <= set(flat)
    assert flat["Animal.Donkey"].color == "#123456" and flat["cat"].rgb == (255, 0, 0)
    assert dataset.instance_map["cat"] == 1 and len(dataset.instance_map) == len(flat)
    dataset.update_label(label_name="cat", color=(1, 2, 3))
    assert dataset.labels_flat_dict["cat"].color == "#010203"
    with pytest.raises(dl.BadRequestError, match="does not exist"):
        dataset.update_label(label_name="unicorn", color="#ffffff")
    dataset.update_label(label_name="unicorn", color="#ffffff", upsert=True)
    dataset.delete_labels(label_names=["unicorn", "Fish"])
    assert (
        "unicorn" not in dataset.labels_flat_dict and "Fish.Shark" not in dataset.labels_flat_dict
    )
    with pytest.raises(dl.BadRequestError, match="color"):
        dataset.add_label(label_name="bad", color="blue-ish")
    with pytest.raises(dl.BadRequestError, match="deeper than 5"):
        dataset.add_label(label_name="a.b.c.d.e.f")


def test_ontology_attributes_and_stale_ontologies(dataset):
    ontology = dataset.get_recipe().get_ontology()
    ontology.update_attributes(
        title="Color",
        key="color",
        attribute_type=dl.AttributesTypes.RADIO_BUTTON,
        values=["black", "white"],
        scope=["cat"],
    )
    ontology.update_attributes(
        title="Age",
        key="age",
        attribute_type=dl.AttributesTypes.SLIDER,
        attribute_range=dl.AttributesRange(0, 20, 1),
    )
    fresh = dataset.get_recipe().get_ontology()
    assert [a["key"] for a in fresh.attributes] == ["color", "age"]
    assert [a["key"] for a in fresh.attributes_for("dog")] == ["age"]
    with pytest.raises(dl.BadRequestError, match="needs values"):
        fresh.update_attributes(title="T", key="t", attribute_type="checkbox")
    fresh.delete_attributes(["age"])
    stale = ontology
    stale.add_label(label_name="bird")
    with pytest.raises(dl.ConflictError):
        stale.update()


def test_ontology_label_list_edits_follow_update(dataset):
    ontology = dataset.ontologies.get(dataset.get_recipe().ontology_ids[0])
    ontology.add_labels(label_list=["Shark", "Whale", "Animal.Donkey"], update_ontology=True)
    assert ontology.labels[-1].tag == "Animal" and ontology.labels[-1].children[0].tag == "Donkey"
    ontology.labels.sort(key=lambda label: label.tag)
    ontology.update()
    assert [label.tag for label in dataset.labels][:2] == ["Animal", "Shark"]


def test_recipes_create_clone_switch_delete(dataset, project):
    recipe = dataset.recipes.create(recipe_name="My-Recipe-name", labels=["a", "b"])
    assert [r.title for r in dataset.recipes.list()][-1] == "My-Recipe-name"
    deep = recipe.clone(shallow=False)
    shallow = recipe.clone(shallow=True)
    assert shallow.ontology_ids == recipe.ontology_ids and deep.ontology_ids != recipe.ontology_ids
    assert [lb.tag for lb in deep.get_ontology().labels] == ["a", "b"]
    dataset.switch_recipe(recipe_id=recipe.id)
    assert [lb.tag for lb in dataset.labels] == ["a", "b"]
    with pytest.raises(dl.BadRequestError, match="used by datasets"):
        recipe.delete()
    assert deep.delete()
    recipe.add_instruction("https://example.com/instructions.pdf")
    assert dataset.recipes.get(recipe.id).instructions == ["https://example.com/instructions.pdf"]
    ontology = project.ontologies.create(
        title="Animals", labels=[dl.Label(tag="Chameleon", color=(255, 0, 0))]
    )
    assert project.ontologies.get(ontology.id).labels[0].color == "#ff0000"
