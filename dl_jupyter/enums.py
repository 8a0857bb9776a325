"""String enums of the Dataloop SDK; each member equals its string value, so both spellings work."""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """A str that is also an enum member: ``FiltersOperations.EQUAL == 'eq'``."""

    def __str__(self) -> str:
        return str(self.value)


class FiltersOperations(StrEnum):
    """Operators of a DQL condition."""

    OR = "or"
    AND = "and"
    IN = "in"
    NOT_EQUAL = "ne"
    EQUAL = "eq"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"
    EXISTS = "exists"
    MATCH = "match"
    NIN = "nin"
    NOT_IN = "nin"


FiltersOperation = FiltersOperations


class FiltersMethod(StrEnum):
    """How a condition joins the others: AND (default) or OR."""

    OR = "or"
    AND = "and"


class FiltersOrderByDirection(StrEnum):
    """Sort direction of a DQL sort key."""

    ASCENDING = "ascending"
    DESCENDING = "descending"


class FiltersResource(StrEnum):
    """What a filter queries."""

    ITEM = "items"
    ANNOTATION = "annotations"
    TASK = "tasks"
    ASSIGNMENT = "assignments"
    DATASET = "datasets"
    RECIPE = "recipe"
    ONTOLOGY = "ontology"


class AnnotationType(StrEnum):
    """Annotation type strings, as stored in ``annotation.type`` and filtered by DQL."""

    BOX = "box"
    CUBE = "cube"
    CLASSIFICATION = "class"
    ELLIPSE = "ellipse"
    NOTE = "note"
    POINT = "point"
    POLYGON = "segment"
    POLYLINE = "polyline"
    POSE = "pose"
    SEGMENTATION = "binary"
    SUBTITLE = "subtitle"
    TEXT = "text_mark"
    FREE_TEXT = "text"
    DESCRIPTION = "item_description"


class AnnotationStatus(StrEnum):
    """Review status of an annotation; CLEAR removes it."""

    ISSUE = "issue"
    APPROVED = "approved"
    REVIEW = "review"
    CLEAR = "clear"


class ItemStatus(StrEnum):
    """Default statuses of an item in a task."""

    COMPLETED = "completed"
    APPROVED = "approved"
    DISCARDED = "discarded"


class ViewAnnotationOptions(StrEnum):
    """What an annotation download or ``show`` produces."""

    JSON = "json"
    MASK = "mask"
    INSTANCE = "instance"
    ANNOTATION_ON_IMAGE = "img_mask"
    VTT = "vtt"
    OBJECT_ID = "object_id"


class AnnotationFormat(StrEnum):
    """Formats of ``dl.Converter``."""

    COCO = "coco"
    YOLO = "yolo"
    VOC = "voc"
    DATALOOP = "dataloop"


class ExportVersion(StrEnum):
    """V1: exported file names drop the extension; V2: they keep it."""

    V1 = "V1"
    V2 = "V2"


class ExportMetadata(StrEnum):
    """Where upload takes item metadata from (FROM_JSON: the annotation file)."""

    FROM_JSON = "from_json"


class MemberRole(StrEnum):
    """Project roles, from most to least powerful."""

    OWNER = "owner"
    DEVELOPER = "engineer"
    ANNOTATION_MANAGER = "annotationManager"
    ANNOTATOR = "annotator"


class AttributesTypes(StrEnum):
    """Kinds of ontology attributes."""

    CHECKBOX = "checkbox"
    RADIO_BUTTON = "radio_button"
    SLIDER = "range"
    YES_NO = "boolean"
    FREE_TEXT = "freeText"


class TaskPriority(int, Enum):
    """Task priority."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


class ConsensusTaskType(StrEnum):
    """The kinds of consensus task."""

    CONSENSUS = "consensus"
    QUALIFICATION = "qualification"
    HONEYPOT = "honeypot"


class AllocationMethod(StrEnum):
    """How a task hands out items: all at once, or in batches on demand."""

    DISTRIBUTION = "distribution"
    PULLING = "pulling"


FILTERS_OPERATIONS_OR = FiltersOperations.OR
FILTERS_OPERATIONS_AND = FiltersOperations.AND
FILTERS_OPERATIONS_IN = FiltersOperations.IN
FILTERS_OPERATIONS_NOT_EQUAL = FiltersOperations.NOT_EQUAL
FILTERS_OPERATIONS_EQUAL = FiltersOperations.EQUAL
FILTERS_OPERATIONS_GREATER_THAN = FiltersOperations.GREATER_THAN
FILTERS_OPERATIONS_LESS_THAN = FiltersOperations.LESS_THAN
FILTERS_OPERATIONS_EXISTS = FiltersOperations.EXISTS
FILTERS_OPERATIONS_MATCH = FiltersOperations.MATCH
FILTERS_OPERATIONS_NIN = FiltersOperations.NIN
FILTERS_METHOD_OR = FiltersMethod.OR
FILTERS_METHOD_AND = FiltersMethod.AND
FILTERS_ORDERBY_DIRECTION_ASCENDING = FiltersOrderByDirection.ASCENDING
FILTERS_ORDERBY_DIRECTION_DESCENDING = FiltersOrderByDirection.DESCENDING
FILTERS_RESOURCE_ITEM = FiltersResource.ITEM
FILTERS_RESOURCE_ANNOTATION = FiltersResource.ANNOTATION
VIEW_ANNOTATION_OPTIONS_JSON = ViewAnnotationOptions.JSON
VIEW_ANNOTATION_OPTIONS_MASK = ViewAnnotationOptions.MASK
VIEW_ANNOTATION_OPTIONS_INSTANCE = ViewAnnotationOptions.INSTANCE
VIEW_ANNOTATION_OPTIONS_ANNOTATION_ON_IMAGE = ViewAnnotationOptions.ANNOTATION_ON_IMAGE
