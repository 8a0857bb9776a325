"""A small dataset to explore in tests: images in two folders, user metadata, boxes."""

from __future__ import annotations

from pathlib import Path

import dl_jupyter as dl
from tests.images import make_folder

TRAIN = ["t0.jpg", "t1.jpg", "t2.png", "t3.jpg"]
VAL = ["v0.jpg", "v1.png"]


def populate(dataset, tmp_path: Path) -> dict[str, dl.Item]:
    """Items /train/* (split 'train', n 1) and /val/* (split 'val', n 2.5, nested camera dict);
    boxes: t0 two cats, t1 a dog, v0 a cat and a 'bird' that is not in the recipe."""
    make_folder(tmp_path / "train", TRAIN)
    make_folder(tmp_path / "val", VAL, size=(80, 40))
    items = dataset.items.upload(
        local_path=str(tmp_path / "train") + "/*", remote_path="/train",
        item_metadata={"user": {"split": "train", "n": 1, "tags": ["a", "b"]}},
    )  # fmt: skip
    items += dataset.items.upload(
        local_path=str(tmp_path / "val") + "/*", remote_path="/val",
        item_metadata={"user": {"split": "val", "n": 2.5, "camera": {"id": 7}}},
    )  # fmt: skip
    by_name = {item.name: item for item in items}
    for name, boxes in {
        "t0.jpg": [("cat", 1, 2, 20, 30), ("cat", 5, 5, 10, 10)],
        "t1.jpg": [("dog", 0, 0, 63, 47)],
        "v0.jpg": [("cat", 2, 2, 8, 8), ("bird", 40, 10, 70, 30)],
    }.items():
        builder = by_name[name].annotations.builder()
        for label, left, top, right, bottom in boxes:
            builder.add(dl.Box(left=left, top=top, right=right, bottom=bottom, label=label))
        builder.upload()
    return {name: dataset.items.get(item_id=item.id) for name, item in by_name.items()}
