"""The sample dataset of the quickstart: generated street-scene-like images with metadata and boxes.

Each image is drawn with Pillow from a seeded generator (a sky, a road, cars, people, traffic
lights), and the boxes of what was drawn are uploaded as annotations, so they are exact.
A third of the images are left unannotated for the annotator to work on.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

from dl_jupyter import api
from dl_jupyter.entities.annotation_definitions import Box
from dl_jupyter.entities.project import Dataset
from dl_jupyter.exceptions import NotFoundError

LABELS = {"car": "#e6194b", "person": "#3cb44b", "traffic light": "#ffe119", "bicycle": "#4363d8"}
SIZE = (640, 480)


@dataclass
class Drawn:
    label: str
    box: tuple[int, int, int, int]


def _scene(rng: random.Random, night: bool) -> tuple[Image.Image, list[Drawn]]:
    width, height = SIZE
    sky = (20, 24, 60) if night else (120 + rng.randint(0, 60), 170 + rng.randint(0, 40), 230)
    image = Image.new("RGB", SIZE, sky)
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(200, 260)
    draw.rectangle((0, horizon, width, height), fill=(70, 70, 75) if not night else (35, 35, 40))
    for x in range(0, width, 80):  # lane markings
        draw.rectangle((x, horizon + 110, x + 40, horizon + 116), fill=(230, 230, 230))
    for _ in range(rng.randint(2, 5)):  # buildings
        left = rng.randint(-40, width - 60)
        top = horizon - rng.randint(60, 180)
        shade = rng.randint(90, 160) if not night else rng.randint(30, 60)
        draw.rectangle(
            (left, top, left + rng.randint(60, 140), horizon), fill=(shade, shade - 10, shade - 20)
        )
    objects: list[Drawn] = []
    for _ in range(rng.randint(1, 3)):
        w, h = rng.randint(90, 160), rng.randint(45, 70)
        left, top = rng.randint(0, width - w), rng.randint(horizon + 10, height - h - 5)
        color = rng.choice(
            [(200, 30, 30), (30, 60, 180), (230, 230, 235), (40, 40, 40), (240, 200, 40)]
        )
        draw.rounded_rectangle((left, top + h // 3, left + w, top + h), radius=8, fill=color)
        draw.rectangle((left + w // 5, top, left + 4 * w // 5, top + h // 3 + 2), fill=color)
        for wheel in (left + w // 5, left + 4 * w // 5):
            draw.ellipse((wheel - 11, top + h - 12, wheel + 11, top + h + 10), fill=(15, 15, 15))
        objects.append(Drawn("car", (left, top, left + w, top + h + 10)))
    for _ in range(rng.randint(0, 3)):
        x, foot = rng.randint(20, width - 20), rng.randint(horizon + 20, height - 10)
        tall = rng.randint(50, 80)
        draw.ellipse((x - 7, foot - tall, x + 7, foot - tall + 14), fill=(230, 190, 160))
        draw.rectangle(
            (x - 9, foot - tall + 14, x + 9, foot - tall // 3),
            fill=rng.choice([(150, 40, 40), (40, 120, 60), (60, 60, 140)]),
        )
        draw.rectangle((x - 8, foot - tall // 3, x + 8, foot), fill=(50, 50, 70))
        objects.append(Drawn("person", (x - 9, foot - tall, x + 9, foot)))
    if rng.random() < 0.6:
        x = rng.randint(30, width - 30)
        draw.rectangle((x - 2, horizon - 20, x + 2, horizon + 60), fill=(60, 60, 60))
        draw.rectangle((x - 10, horizon - 75, x + 10, horizon - 20), fill=(25, 25, 25))
        lit = rng.randrange(3)
        for n, color in enumerate([(220, 40, 40), (240, 190, 30), (40, 200, 80)]):
            fill = color if n == lit else tuple(c // 4 for c in color)
            draw.ellipse((x - 6, horizon - 71 + 18 * n, x + 6, horizon - 59 + 18 * n), fill=fill)
        objects.append(Drawn("traffic light", (x - 10, horizon - 75, x + 10, horizon - 20)))
    return image.filter(ImageFilter.GaussianBlur(0.6)), objects


def create_sample(
    project_name: str = "sample",
    dataset_name: str = "street scenes",
    count: int = 24,
    seed: int = 7,
) -> Dataset:
    """Create (or return, if it exists) the sample dataset in the current store."""
    if api.token_expired():
        api.login()
    try:
        project = api.projects.get(project_name=project_name)
    except NotFoundError:
        project = api.projects.create(project_name=project_name)
    try:
        return project.datasets.get(dataset_name=dataset_name)
    except NotFoundError:
        dataset = project.datasets.create(dataset_name=dataset_name, labels=LABELS)
    rng = random.Random(seed)
    scenes = []
    for index in range(count):
        night = index % 5 == 4
        image, objects = _scene(rng, night)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=88)
        buffer.name = f"scene_{index:03d}.jpg"
        scenes.append((buffer, objects, night, index))
    for buffer, objects, night, index in scenes:
        camera = "cam-a" if index % 2 else "cam-b"
        item = dataset.items.upload(
            local_path=buffer,
            remote_path=f"/{camera}",
            item_metadata={
                "user": {
                    "split": "val" if index % 4 == 0 else "train",
                    "camera": camera,
                    "time_of_day": "night" if night else "day",
                    "weather": rng.choice(["clear", "cloudy", "rain"]),
                    "tags": rng.sample(["urban", "highway", "crossing", "parking"], 2),
                }
            },
        )
        if index % 3 == 2:
            continue  # left for the annotator
        builder = item.annotations.builder()
        for drawn in objects:
            left, top, right, bottom = drawn.box
            builder.add(
                Box(
                    left=max(left, 0),
                    top=max(top, 0),
                    right=min(right, SIZE[0] - 1),
                    bottom=min(bottom, SIZE[1] - 1),
                    label=drawn.label,
                )
            )
        if len(builder):
            builder.upload()
    return dataset
