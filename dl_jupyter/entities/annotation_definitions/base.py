"""What every annotation definition shares: label fields, validation, value equality and drawing."""

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar

import numpy as np
from PIL import Image, ImageDraw

from dl_jupyter.exceptions import BadRequestError

from . import raster

Bounds = tuple[float, float, float, float]


def as_number(value: object) -> object:
    """numpy/pandas scalars as plain int/float, so JSON and repr stay clean; others unchanged."""
    if type(value) is float or type(value) is int:  # the common case, without ABC checks
        return value
    if isinstance(value, bool | np.bool_):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def require_number(owner: str, field: str, value: object) -> None:
    """BadRequestError unless ``value`` is a finite int or float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequestError(f"{owner} {field} must be a finite number, got {value!r}")


class NumberField:
    """A settable attribute kept as a plain number (numpy and pandas scalars are converted)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self if instance is None else getattr(instance, self._slot)

    def __set__(self, instance: object, value: object) -> None:
        setattr(instance, self._slot, as_number(value))


class _ValidatedOnCall(type):
    """Validates each instance right after ``__init__``, so bad input fails at construction."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        instance = super().__call__(*args, **kwargs)
        instance.validate()
        return instance


class BaseAnnotationDefinition(metaclass=_ValidatedOnCall):
    """A geometry (or text) with a label, as in dtlpy: converts to and from Dataloop coordinates.

    Calling a class validates the new definition; ``Cls.unchecked(...)`` and ``from_coordinates``
    do not, so stored data written outside these rules can still be read.
    """

    type: ClassVar[str] = ""
    default_thickness: ClassVar[int] = 2

    def __init__(
        self, label: str | None = None, attributes: object = None, description: str | None = None
    ):
        self.label = label
        self.attributes = attributes
        self.description = description

    @classmethod
    def unchecked(cls, *args: Any, **kwargs: Any) -> BaseAnnotationDefinition:
        """Build without validation (for reading stored data)."""
        instance = cls.__new__(cls)
        instance.__init__(*args, **kwargs)
        return instance

    # -- Dataloop JSON ---------------------------------------------------------------------

    def to_coordinates(self) -> object:
        """The ``coordinates`` value of the Dataloop annotation JSON."""
        raise NotImplementedError

    @classmethod
    def from_coordinates(
        cls,
        coordinates: object,
        label: str | None = None,
        attributes: object = None,
        description: str | None = None,
        **extra: Any,
    ) -> BaseAnnotationDefinition:
        """The inverse of ``to_coordinates``, without validation."""
        raise NotImplementedError

    # -- validation ------------------------------------------------------------------------

    def validate(self) -> None:
        """Raise BadRequestError naming the first field whose value is not allowed."""
        name = type(self).__name__
        if self.label is not None and not isinstance(self.label, str):
            raise BadRequestError(f"{name} label must be a string, got {self.label!r}")
        if self.attributes is not None and not isinstance(self.attributes, dict | list | tuple):
            raise BadRequestError(
                f"{name} attributes must be a dict (or a legacy list), got {self.attributes!r}"
            )
        if self.description is not None and not isinstance(self.description, str):
            raise BadRequestError(f"{name} description must be a string, got {self.description!r}")

    # -- geometry --------------------------------------------------------------------------

    @property
    def geo(self) -> object:
        """The geometry as dtlpy exposes it; an empty list for definitions without one."""
        return []

    @property
    def bounds(self) -> Bounds | None:
        """(left, top, right, bottom) of what is drawn, or None when nothing is."""
        return None

    @property
    def area(self) -> float:
        """Area in square pixels (0 for points, lines and non-spatial definitions)."""
        return 0.0

    @property
    def left(self) -> float | None:
        return None if self.bounds is None else self.bounds[0]

    @property
    def top(self) -> float | None:
        return None if self.bounds is None else self.bounds[1]

    @property
    def right(self) -> float | None:
        return None if self.bounds is None else self.bounds[2]

    @property
    def bottom(self) -> float | None:
        return None if self.bounds is None else self.bounds[3]

    # -- drawing ---------------------------------------------------------------------------

    def show(
        self,
        image: object = None,
        thickness: int | None = None,
        with_text: bool = False,
        height: int | None = None,
        width: int | None = None,
        annotation_format: object = "mask",
        color: object = None,
        alpha: float = 1,
        instance_id: int = 1,
        object_id: object = None,
    ) -> np.ndarray:
        """Draw on a copy of ``image``, or on a blank ``height`` x ``width`` canvas, and return it.

        'mask' and 'img_mask' give an RGBA uint8 array (colour alpha scaled by ``alpha``);
        'instance' and 'object_id' give a 2-D integer array holding an integer ``color``, else
        ``object_id`` (for 'object_id'), else ``instance_id`` where the shape is; labels are not
        written there. ``thickness=-1`` fills.
        """
        fmt = raster.view_format(annotation_format)
        canvas = raster.new_canvas(image, height, width, fmt)
        rows, cols = canvas.shape[:2]
        coverage = self._coverage(
            rows, cols, raster.line_thickness(thickness, self.default_thickness)
        )
        if fmt in raster.INDEX_FORMATS:
            return raster.paint_index(
                canvas, coverage, raster.index_value(fmt, color, instance_id, object_id)
            )
        fill = raster.rgba(self._show_color() if color is None else color, alpha)
        text = self.label if with_text else None
        return raster.paint_rgba(canvas, coverage, fill, text, self._text_at(rows, cols))

    def _coverage(self, rows: int, cols: int, thickness: int) -> np.ndarray:
        """Bool array of the pixels this definition covers on a rows x cols canvas."""
        image = Image.new("L", (cols, rows), 0)
        self._draw(ImageDraw.Draw(image), thickness)
        return np.asarray(image) > 0

    def _draw(self, draw: ImageDraw.ImageDraw, thickness: int) -> None:
        """Draw the shape in value 255; definitions without geometry draw nothing."""

    def _show_color(self) -> tuple[int, ...]:
        return raster.default_color(self.label)

    def _text_at(self, rows: int, cols: int) -> tuple[int, int]:
        """Where the label goes: just above the shape, or a tenth into the canvas without one."""
        if self.bounds is None:
            return (cols // 10, rows // 10)
        left, top = self.bounds[:2]
        return (max(0, round(left)), max(0, round(top) - raster.text_height() - 2))

    # -- value semantics -------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        """The geometry fields, in constructor order, for equality and repr."""
        return {}

    def _all_fields(self) -> dict[str, Any]:
        return {
            **self._fields(),
            "label": self.label,
            "attributes": self.attributes,
            "description": self.description,
        }

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = self._all_fields(), other._all_fields()
        return mine.keys() == theirs.keys() and all(_same(mine[k], theirs[k]) for k in mine)

    def __repr__(self) -> str:
        shown = [
            f"{key}={_short(value)}"
            for key, value in self._all_fields().items()
            if value is not None and not (key == "attributes" and not value)
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _short(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"<{'x'.join(str(n) for n in value.shape)} array>"
    return repr(value)
